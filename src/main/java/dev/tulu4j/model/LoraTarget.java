package dev.tulu4j.model;

import dev.tulu4j.model.HfNames.LayerTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder-layer projection LoRA can adapt, by its HF module name. In and out widths follow the
 * weight's {@code [out, in]} shape in {@link HfNames}.
 */
public enum LoraTarget {
  Q_PROJ("q_proj", LayerTensor.Q_PROJ),
  K_PROJ("k_proj", LayerTensor.K_PROJ),
  V_PROJ("v_proj", LayerTensor.V_PROJ),
  O_PROJ("o_proj", LayerTensor.O_PROJ),
  GATE_PROJ("gate_proj", LayerTensor.GATE_PROJ),
  UP_PROJ("up_proj", LayerTensor.UP_PROJ),
  DOWN_PROJ("down_proj", LayerTensor.DOWN_PROJ);

  /** The HF module name ({@code q_proj}). */
  public final String module;
  /** The base weight's tensor. */
  public final LayerTensor weight;

  LoraTarget(String module, LayerTensor weight) {
    this.module = module;
    this.weight = weight;
  }

  /** Output width (rows of the base weight). */
  public int out(LlamaConfig c) {
    return weight.shape(c)[0];
  }

  /** Input width (columns of the base weight). */
  public int in(LlamaConfig c) {
    return weight.shape(c)[1];
  }

  /** The base weight's parameter in layer {@code w}. */
  public Parameter of(LayerWeights w) {
    return switch (this) {
      case Q_PROJ -> w.q();
      case K_PROJ -> w.k();
      case V_PROJ -> w.v();
      case O_PROJ -> w.o();
      case GATE_PROJ -> w.gate();
      case UP_PROJ -> w.up();
      case DOWN_PROJ -> w.down();
    };
  }

  /** The module path below the model, without {@code .weight}: {@code model.layers.3.self_attn.q_proj}. */
  public String modulePath(int layer) {
    String n = weight.name(layer);
    return n.substring(0, n.length() - ".weight".length());
  }

  /** The target called {@code module}, or null. */
  public static LoraTarget byModule(String module) {
    for (LoraTarget t : values()) if (t.module.equals(module)) return t;
    return null;
  }

  static List<String> moduleNames() {
    List<String> l = new ArrayList<>();
    for (LoraTarget t : values()) l.add(t.module);
    return l;
  }
}
