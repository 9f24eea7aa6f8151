# Sourced by ./tulu4j: the default JVM heap follows the machine instead of a fixed size.

# Prints the heap flag for 75% of physical memory: MemTotal from /proc/meminfo (Linux; $1 overrides
# the file, for tests), else `sysctl hw.memsize` (macOS), else -XX:MaxRAMPercentage=75 (the JVM
# then reads the memory itself, container limits included).
tulu4j_heap_opts() {
  local meminfo=${1:-/proc/meminfo} kb="" bytes=""
  if [ -r "$meminfo" ]; then kb=$(awk '/^MemTotal:/ { print $2; exit }' "$meminfo"); fi
  if [ -n "$kb" ] && [ "$kb" -gt 0 ] 2>/dev/null; then
    echo "-Xmx$((kb * 3 / 4 / 1024))m"
    return 0
  fi
  bytes=$(sysctl -n hw.memsize 2>/dev/null || true)
  if [ -n "$bytes" ] && [ "$bytes" -gt 0 ] 2>/dev/null; then
    echo "-Xmx$((bytes * 3 / 4 / 1048576))m"
    return 0
  fi
  echo "-XX:MaxRAMPercentage=75"
}

# Prints -XX:+UseTransparentHugePages when the kernel offers transparent huge pages to processes that
# ask for them (`[madvise]` or `[always]` in $1, default /sys/kernel/mm/transparent_hugepage/enabled),
# else nothing (the JVM would warn that it cannot use them). With it the heap is backed by 2 MiB pages:
# on the Zen 5 VMs that run CI a young collection promoting 135M-shape activations (1-4 GB into old-
# generation pages touched for the first time) paused half as long, since each first touch is a page
# fault and there are 512 times fewer of them (docs/PERFORMANCE.md, "Session 14: the collector").
tulu4j_thp_opts() {
  local f=${1:-/sys/kernel/mm/transparent_hugepage/enabled}
  if [ -r "$f" ] && grep -qE '\[(madvise|always)\]' "$f" 2>/dev/null; then
    echo "-XX:+UseTransparentHugePages"
  fi
  return 0
}
