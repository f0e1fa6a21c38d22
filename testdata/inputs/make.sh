#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Makes the compressed fixtures of this folder from Green Button files of testdata/espi, the
# same bytes every time (gzip -n: no name or time; ZIP members dated 2026-11-28 14:00):
#   valid_water.xml.gz                  valid_dump_water.xml, gzipped
#   valid_water_download.zip            SmartHub's shape: the XML and an HTML view of it
#   valid_three_feeds.zip               three XML files (water, gas, xml:base) and a note
#   invalid_gz-corrupt_truncated.xml.gz valid_water.xml.gz cut 200 bytes short
# Run from the repository's root: bash testdata/inputs/make.sh
set -euo pipefail
cd "$(dirname "$0")"
src=../espi
gzip -nc -9 "$src/valid_dump_water.xml" >valid_water.xml.gz
size=$(stat -c %s valid_water.xml.gz)
head -c $((size - 200)) valid_water.xml.gz >invalid_gz-corrupt_truncated.xml.gz
python3 - "$src" <<'PY'
import sys, zipfile
src = sys.argv[1]
def make(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 28, 14, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
def read(name):
    with open(f"{src}/{name}", "rb") as f:
        return f.read()
make("valid_water_download.zip", [("green_button_data_1760853600000.xml", read("valid_dump_water.xml")),
                                  ("green_button_data_1760853600000_formatted.html", b"<html></html>\n")])
make("valid_three_feeds.zip", [("water.xml", read("valid_dump_water.xml")),
                               ("README.txt", b"three Green Button files\n"),
                               ("gas.xml", read("valid_dump_gas.xml")),
                               ("base/xml_base.xml", read("valid_dump_xml_base.xml"))])
PY
