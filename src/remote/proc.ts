// Shell functions the remote commands share to look at a process through /proc.

// A process counts as gone when /proc has no entry or it is a zombie nobody reaped yet.
export const ALIVE = `alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]; }`;

// `ours PID [RELEASE]`: jvm.start started PID (for RELEASE): its environment holds HANDOFF_RELEASE.
// Newlines inside values are mapped away first, so no value can fake the key (environ is
// NUL-separated), and the release is compared as a string, never as a pattern.
export const OURS = `ours() { tr '\\n\\0' '\\001\\n' < "/proc/$1/environ" 2>/dev/null | awk -v id="$2" 'BEGIN { r = 1 } /^HANDOFF_RELEASE=/ { if (id == "" || substr($0, 17) == id) r = 0 } END { exit r }'; }`;
