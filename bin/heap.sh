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
