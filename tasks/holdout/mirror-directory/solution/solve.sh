#!/bin/bash
set -e
cat > /app/mirror.py <<'PY'
"""python3 mirror.py [--dry-run] SRC DST: make DST an exact mirror of SRC."""
import filecmp
import os
import shutil
import stat
import sys


def kind(path):
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "other"


def remove(path):
    if kind(path) == "dir":
        shutil.rmtree(path)          # rmtree never follows symlinks inside the tree
    else:
        os.unlink(path)


def sync(src, dst, rel, dry, actions):
    src_names = set(os.listdir(src))
    dst_is_dir = kind(dst) == "dir"   # in a dry run DST may not (yet) be a directory
    dst_names = set(os.listdir(dst)) if dst_is_dir else set()
    for name in sorted(src_names | dst_names):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        r = f"{rel}/{name}" if rel else name
        sk, dk = kind(s), kind(d) if dst_is_dir else None
        if dk is not None and sk != dk:
            actions.append(f"delete {r}")
            if not dry:
                remove(d)
            dk = None
        if sk is None:
            continue
        if sk == "dir":
            if dk is None:
                actions.append(f"mkdir {r}")
                if not dry:
                    os.mkdir(d)
            sync(s, d, r, dry, actions)
        elif sk == "link":
            target = os.readlink(s)
            if dk is None or os.readlink(d) != target:
                actions.append(f"link {r}")
                if not dry:
                    if dk is not None:
                        os.unlink(d)
                    os.symlink(target, d)
        elif sk == "file":
            mode = stat.S_IMODE(os.lstat(s).st_mode)
            if dk is None or not filecmp.cmp(s, d, shallow=False):
                actions.append(f"copy {r}")
                if not dry:
                    tmp = os.path.join(dst, f".mirror-tmp-{os.getpid()}")
                    shutil.copyfile(s, tmp)
                    os.chmod(tmp, mode)
                    os.replace(tmp, d)
            elif stat.S_IMODE(os.lstat(d).st_mode) != mode:
                actions.append(f"chmod {r}")
                if not dry:
                    os.chmod(d, mode)


def main(argv):
    args = argv[1:]
    dry = "--dry-run" in args
    args = [a for a in args if a != "--dry-run"]
    if len(args) != 2 or kind(args[0]) != "dir":
        print("usage: mirror.py [--dry-run] SRC DST", file=sys.stderr)
        return 2
    src, dst = args
    actions = []
    if kind(dst) != "dir":
        if kind(dst) is not None:
            print(f"mirror.py: {dst} exists and is not a directory", file=sys.stderr)
            return 2
        if not dry:
            os.makedirs(dst)
    sync(src, dst, "", dry, actions)
    sys.stdout.write("".join(a + "\n" for a in actions))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
PY
