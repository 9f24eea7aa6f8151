import jdk.incubator.vector.*;
public class Align {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static float sum(float[] a, int off, int n) {
    FloatVector a0=FloatVector.zero(S),a1=a0,a2=a0,a3=a0;
    for (int i=off;i<off+n;i+=64){ a0=a0.add(FloatVector.fromArray(S,a,i)); a1=a1.add(FloatVector.fromArray(S,a,i+16)); a2=a2.add(FloatVector.fromArray(S,a,i+32)); a3=a3.add(FloatVector.fromArray(S,a,i+48)); }
    return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
  }
  static float fma(float[] a, float[] b, int off, int n) {
    FloatVector a0=FloatVector.zero(S),a1=a0,a2=a0,a3=a0;
    for (int i=off;i<off+n;i+=64){ a0=FloatVector.fromArray(S,a,i).fma(FloatVector.fromArray(S,b,i),a0); a1=FloatVector.fromArray(S,a,i+16).fma(FloatVector.fromArray(S,b,i+16),a1); a2=FloatVector.fromArray(S,a,i+32).fma(FloatVector.fromArray(S,b,i+32),a2);a3=FloatVector.fromArray(S,a,i+48).fma(FloatVector.fromArray(S,b,i+48),a3);}
    return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
  }
  public static void main(String[] x){
    int n = Integer.parseInt(x[0]); int reps = Integer.parseInt(x[1]);
    float[] a = new float[n+64], b=new float[n+64];
    for(int i=0;i<a.length;i++){a[i]=i%7;b[i]=i%5;}
    float s=0;
    for (int w=0;w<3;w++) for(int o=0;o<16;o++) for(int r=0;r<reps/10;r++) s+=sum(a,o,n)+fma(a,b,o,n);
    for (int o=0;o<16;o++){
      long t=System.nanoTime(); for(int r=0;r<reps;r++) s+=sum(a,o,n); long t1=System.nanoTime();
      for(int r=0;r<reps;r++) s+=fma(a,b,o,n); long t2=System.nanoTime();
      System.out.printf("off %2d  sum %.3f ns/vec  dot %.3f ns/vec%n", o, (t1-t)/(double)reps/(n/16), (t2-t1)/(double)reps/(n/16));
    }
    System.out.println(s);
  }
}
