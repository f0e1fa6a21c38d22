#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The layers of src/ depend only downward; see layering.py.
set -euo pipefail
: "${ESPI_SOURCE:?}" "${ESPI_BUILD:?}"
exec python3 "$ESPI_SOURCE/tests/layout/layering.py" "$ESPI_SOURCE" "$ESPI_BUILD"
