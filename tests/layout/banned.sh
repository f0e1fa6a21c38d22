#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# No unsafe or non-reentrant C library call in src/ or include/; see banned.py.
set -euo pipefail
: "${ESPI_SOURCE:?}"
exec python3 "$ESPI_SOURCE/tests/layout/banned.py" "$ESPI_SOURCE"
