import os, sys, time
os.environ.setdefault("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296")
import torch
torch.set_num_threads(int(sys.argv[1]))
n = (1 << 30) // 4
src = torch.empty(n).fill_(1.0)
for _ in range(3): src.sum()
res = []
for r in range(int(sys.argv[2])):
    best = 1e9
    for k in range(3):
        c0 = time.process_time(); t0 = time.perf_counter(); src.sum(); c1 = time.process_time(); t1 = time.perf_counter()
        best = min(best, (c1 - c0) if torch.get_num_threads() == 1 else (t1 - t0))
    res.append((1 << 30) / best / 1e9)
s = sorted(res)
print("torch sum threads=%s median %.1f all %s" % (sys.argv[1], s[len(s)//2], ["%.1f" % x for x in res]))
