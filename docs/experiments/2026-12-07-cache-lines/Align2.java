import jdk.incubator.vector.*;
import java.lang.foreign.*;
import java.lang.invoke.*;
public class Align2 {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
  static MethodHandle MEMSET;
  static long addr(float[] a) throws Throwable {
    MemorySegment r = (MemorySegment) MEMSET.invokeExact(MemorySegment.ofArray(a), 0, 0L);
    return r.address();
  }
  static float sum(float[] a, int off, int n) {
    FloatVector a0=FloatVector.zero(S),a1=a0,a2=a0,a3=a0;
    for (int i=off;i<off+n;i+=64){ a0=a0.add(FloatVector.fromArray(S,a,i)); a1=a1.add(FloatVector.fromArray(S,a,i+16)); a2=a2.add(FloatVector.fromArray(S,a,i+32)); a3=a3.add(FloatVector.fromArray(S,a,i+48)); }
    return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
  }
  public static void main(String[] x) throws Throwable {
    Linker L = Linker.nativeLinker();
    MEMSET = L.downcallHandle(L.defaultLookup().find("memset").get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), Linker.Option.critical(true));
    int n = Integer.parseInt(x[0]); long total = Long.parseLong(x[1]);
    int reps = (int)Math.max(1, total / n);
    float[] a = new float[n+64];
    for(int i=0;i<a.length;i++){a[i]=i%7;}
    System.out.printf("n=%d addr mod 64 = %d%n", n, addr(a) % 64);
    float s=0;
    for (int w=0;w<3;w++) for(int o=0;o<16;o+=4) for(int r=0;r<Math.max(1,reps/10);r++) s+=sum(a,o,n);
    for (int o=0;o<16;o++){
      long t=System.nanoTime(); for(int r=0;r<reps;r++) s+=sum(a,o,n); long t1=System.nanoTime();
      System.out.printf("off %2d (data mod 64 = %2d) sum %.2f GB/s%n", o, (addr(a)+4*o)%64, (double)reps*n*4/(t1-t));
    }
    System.out.println(addr(a)%64 + " " + s);
  }
}
