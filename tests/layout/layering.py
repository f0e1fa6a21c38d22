#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The layers of src/ depend only downward (docs/architecture.md).

Two checks, both by layer (a folder of src/; convert/repair/ is a layer of
its own because it alone may use the reader):
  includes  every #include "..." of a file names a header of a layer it may use,
            and the CLI includes nothing of src/ (only espi.h and its own headers in src/cli);
  symbols   every function or variable an object file of the library uses from
            another object file is defined in a layer it may use (this also
            catches a call that goes through include/espi.h, which every layer
            sees).
Usage: layering.py SOURCE_DIR BUILD_DIR
"""
import pathlib
import re
import subprocess
import sys

ALLOWED = {
    "common": {"common"},
    "read": {"read", "common"},
    "validate": {"validate", "read", "common"},
    "report": {"report", "validate", "read", "common"},  # fed by the reader as dump is; --validate
    "convert": {"convert", "convert/repair", "common"},  # repair is convert's reader of ESPI files
    "convert/repair": {"convert/repair", "convert", "read", "common"},
    "fetch": {"fetch", "convert", "read", "common"},  # downloads go into the converter
}
# The converter sits on top of its readers: a reader never calls back into it
# (that was a cycle: convert.c <-> smarthub_account.c). Object -> who may use it.
TOP = {
    "convert/convert.c.o": set(),
    "convert/formats.c.o": {"convert/convert.c.o"},
}
# Layers above the converter, which call it as any program does (TOP is about what is below).
ABOVE_CONVERTER = {"fetch"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel):
    """The layer of a path relative to src/ ("convert/smarthub/csv.c" -> "convert")."""
    parts = pathlib.PurePosixPath(rel).parts
    if parts[:2] == ("convert", "repair"):
        return "convert/repair"
    return parts[0]


def check_includes(src, problems):
    for path in sorted(src.rglob("*.[ch]")):
        rel = path.relative_to(src).as_posix()
        layer = layer_of(rel)
        for name in INCLUDE.findall(path.read_text()):
            if name == "espi.h":
                continue
            if layer == "cli":
                if "/" in name or not (src / "cli" / name).is_file():
                    problems.append(f"src/{rel}: includes \"{name}\"; the CLI sees only espi.h")
                continue
            if layer not in ALLOWED:
                problems.append(f"src/{rel}: in no known layer (add it to this test and the docs)")
                break
            target = src / name
            if not target.is_file():
                problems.append(f"src/{rel}: includes \"{name}\", which is not a path under src/")
                continue
            if layer_of(name) not in ALLOWED[layer]:
                problems.append(f"src/{rel}: {layer} includes \"{name}\" of layer {layer_of(name)}")


def nm(obj, *flags):
    out = subprocess.run(["nm", *flags, str(obj)], check=True, capture_output=True, text=True)
    return out.stdout.split("\n")


def check_symbols(build, problems):
    objdir = build / "src" / "CMakeFiles" / "espi_objects.dir"
    rel = {o: o.relative_to(objdir).as_posix() for o in sorted(objdir.rglob("*.o"))}
    objects = {o: layer_of(r) for o, r in rel.items()}
    # the generated embedded-schema table is common data
    objects = {o: ("common" if l not in ALLOWED else l) for o, l in objects.items()}
    if len(objects) < 10:
        problems.append(f"only {len(objects)} object files under {objdir}: is the build there?")
        return
    defined = {}
    for obj, layer in objects.items():
        for line in nm(obj, "-g", "--defined-only"):
            f = line.split()
            if len(f) == 3:
                defined[f[2]] = (layer, rel[obj])
    for obj, layer in objects.items():
        for line in nm(obj, "-u"):
            f = line.split()
            if len(f) == 2 and f[1] in defined:
                to_layer, to_obj = defined[f[1]]
                if to_layer not in ALLOWED[layer]:
                    problems.append(f"{rel[obj]} ({layer}) uses {f[1]} of {to_obj} ({to_layer})")
                if (to_obj in TOP and to_obj != rel[obj] and rel[obj] not in TOP[to_obj]
                        and layer not in ABOVE_CONVERTER):
                    problems.append(f"{rel[obj]} uses {f[1]} of {to_obj}, which only calls down")
    print(f"ok   symbols: {len(objects)} objects, {len(defined)} global symbols checked")


def main():
    src = pathlib.Path(sys.argv[1]) / "src"
    build = pathlib.Path(sys.argv[2])
    problems = []
    check_includes(src, problems)
    if not problems:
        print("ok   includes: every file includes only from its own layer or below")
    check_symbols(build, problems)
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
