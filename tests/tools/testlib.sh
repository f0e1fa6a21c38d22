# testlib.sh - sourced by the bash test scripts: shared checks and counters.

# need_tools TOOL...: fail the test (with the usual summary) when one is missing.
need_tools() {
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "FAIL: $tool not found (needed by this test)"
            echo "0 passed, 1 failed"
            exit 1
        fi
    done
}
