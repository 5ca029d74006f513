#!/usr/bin/env python3
"""tests/integration/make_oci_image.py — build test images locally (no registry).

Usage: make_oci_image.py OUT [--big-tar TAR]

Writes under OUT:
  layout/               OCI image layout, ref "test:latest", 3 layers
                        (gzip, uncompressed, zstd when the zstd tool exists):
                        busybox-static with applet symlinks, a hardlinked
                        applet, /etc/passwd with user "builder" (1234:1234),
                        a char device, a fifo, a setuid file, an xattr;
                        layer 2 whites out /victim, makes /olddir opaque,
                        adds a hardlink pair and a symlink; layer 3 has a
                        file with a fixed mtime (2001-01-01).
  oci-archive.tar       the same layout as a tar (oci-archive)
  docker-archive.tar    the same image as `docker save` writes it
  index-multi/          an index with an arm64 and an amd64 manifest
  hostile-<kind>/       one-layer layouts that must be refused:
                        traversal, absolute, symlink, hardlink, baddigest,
                        truncated
  outside/              the directory the hostile layers aim at (must stay empty)
With --big-tar TAR: only big/, a one-layer (gzip) layout of TAR, ref "latest"
(bench/unpack.sh).
With --bomb MIB: only bomb/, ref "bomb:latest": one gzip layer holding a
file of MIB MiB of zeros (a decompression bomb in miniature).
With --suid EXE HOSTDIR: only suid/, ref "suid:latest": the busybox layer
plus EXE as /bin/euid, setuid root (mode 4755), and the image label
dev.cove.overlay.lowers=HOSTDIR (an image naming a host directory as its
root: must be ignored).
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Tar:
    def __init__(self):
        self.buf = io.BytesIO()
        self.t = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)

    def _info(self, name, type_, mode=0o644, uid=0, gid=0, mtime=1700000000):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = type_, mode, uid, gid, mtime
        return ti

    def dir(self, name, mode=0o755, **kw):
        self.t.addfile(self._info(name, tarfile.DIRTYPE, mode, **kw))

    def file(self, name, data=b"", mode=0o644, xattrs=None, **kw):
        ti = self._info(name, tarfile.REGTYPE, mode, **kw)
        ti.size = len(data)
        if xattrs:
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
        self.t.addfile(ti, io.BytesIO(data))

    def symlink(self, name, target):
        ti = self._info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.t.addfile(ti)

    def hardlink(self, name, target):
        ti = self._info(name, tarfile.LNKTYPE)
        ti.linkname = target
        self.t.addfile(ti)

    def chardev(self, name, major, minor, mode=0o666):
        ti = self._info(name, tarfile.CHRTYPE, mode)
        ti.devmajor, ti.devminor = major, minor
        self.t.addfile(ti)

    def fifo(self, name, mode=0o644):
        self.t.addfile(self._info(name, tarfile.FIFOTYPE, mode))

    def bytes(self):
        self.t.close()
        return self.buf.getvalue()


def compress(raw, how):
    if how == "gzip":
        return gzip.compress(raw, compresslevel=1, mtime=0), MT_LAYER + "+gzip"
    if how == "zstd" and shutil.which("zstd"):
        out = subprocess.run(["zstd", "-q", "-c", "-3"], input=raw, stdout=subprocess.PIPE, check=True).stdout
        return out, MT_LAYER + "+zstd"
    return raw, MT_LAYER


def write_blob(layout, data):
    d = sha(data)
    path = os.path.join(layout, "blobs", "sha256", d[7:])
    with open(path, "wb") as f:
        f.write(data)
    return d


def image_config(diff_ids, cfg=None, arch="amd64"):
    return json.dumps({
        "architecture": arch, "os": "linux",
        "config": cfg if cfg is not None else {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar"],
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["echo hello-from-image; id -u; pwd; echo $FOO"],
            "WorkingDir": "/tmp",
            "User": "builder",
            "Labels": {"org.example.label": "yes"},
            "ExposedPorts": {"80/tcp": {}},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }, sort_keys=True).encode()


def make_layout(layout, layers, cfg=None, ref="test:latest", corrupt=None):
    """layers: list of (raw_tar_bytes, compression). corrupt: None,
    'baddigest' or 'truncated' (applied to the last layer's stored blob)."""
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    descs, diff_ids = [], []
    for i, (raw, how) in enumerate(layers):
        blob, mt = compress(raw, how)
        diff_ids.append(sha(raw))
        d = sha(blob)
        stored = blob
        if corrupt and i == len(layers) - 1:
            stored = blob[:-1] + bytes([blob[-1] ^ 0xFF]) if corrupt == "baddigest" else blob[: len(blob) // 2]
        with open(os.path.join(layout, "blobs", "sha256", d[7:]), "wb") as f:
            f.write(stored)
        descs.append({"mediaType": mt, "digest": d, "size": len(blob)})
    config = image_config(diff_ids, cfg)
    cd = write_blob(layout, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST,
                           "config": {"mediaType": MT_CONFIG, "digest": cd, "size": len(config)},
                           "layers": descs}).encode()
    md = write_blob(layout, manifest)
    desc = {"mediaType": MT_MANIFEST, "digest": md, "size": len(manifest),
            "platform": {"architecture": "amd64", "os": "linux"}}
    if ref:
        desc["annotations"] = {"org.opencontainers.image.ref.name": ref}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [desc]}, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return desc, config, diff_ids


def busybox_layer():
    bb = shutil.which("busybox") or "/bin/busybox"
    with open(bb, "rb") as f:
        data = f.read()
    t = Tar()
    for d in ["bin", "etc", "proc", "sys", "dev", "olddir", "data", "usr", "usr/bin"]:
        t.dir(d)
    t.dir("tmp", 0o1777)
    t.file("bin/busybox", data, 0o755)
    applets = subprocess.run([bb, "--list"], stdout=subprocess.PIPE, check=True, text=True).stdout.split()
    for a in applets:
        if a in ("busybox", "cat"):
            continue
        t.symlink("bin/" + a, "busybox")
    t.hardlink("bin/cat", "bin/busybox")
    t.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nbuilder:x:1234:1234:b:/tmp:/bin/sh\n"
                         b"nobody:x:65534:65534:n:/:/bin/false\n")
    t.file("etc/group", b"root:x:0:\nbuilder:x:1234:\nnogroup:x:65534:\n")
    t.file("victim", b"must be whited out\n")
    t.file("olddir/a", b"a\n")
    t.file("olddir/b", b"b\n")
    t.file("suid", b"#!/bin/sh\n", 0o4755)
    t.file("xattr-file", b"x\n", xattrs={"user.cove": "yes"})
    t.chardev("dev-null-copy", 1, 3)
    t.fifo("a-fifo")
    return t.bytes()


def layer2():
    t = Tar()
    t.file(".wh.victim")
    t.dir("olddir")
    t.file("olddir/.wh..wh..opq")
    t.file("olddir/c", b"c\n")
    t.file("etc/layer2", b"2\n")
    t.file("data/h1", b"hard\n", 0o640, uid=1234, gid=1234)
    t.hardlink("data/h2", "data/h1")
    t.symlink("data/link", "h1")
    return t.bytes()


def layer3():
    t = Tar()
    t.file("etc/layer3", b"3\n", mtime=978307200)  # 2001-01-01T00:00:00Z
    return t.bytes()


def tar_dir(src, dst):
    with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(os.listdir(src)):
            t.add(os.path.join(src, name), arcname=name)


def docker_archive(out, layers_raw, config):
    tmp = os.path.join(out, "docker-tmp")
    os.makedirs(tmp)
    names = []
    for i, raw in enumerate(layers_raw):
        os.makedirs(os.path.join(tmp, str(i)))
        with open(os.path.join(tmp, str(i), "layer.tar"), "wb") as f:
            f.write(raw)
        names.append("%d/layer.tar" % i)
    cname = hashlib.sha256(config).hexdigest() + ".json"
    with open(os.path.join(tmp, cname), "wb") as f:
        f.write(config)
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump([{"Config": cname, "RepoTags": ["docker-test:latest"], "Layers": names}], f)
    tar_dir(tmp, os.path.join(out, "docker-archive.tar"))
    shutil.rmtree(tmp)


def index_multi(out, layers):
    layout = os.path.join(out, "index-multi")
    desc, _, _ = make_layout(layout, layers, ref=None)
    # a second (arm64) manifest pointing at a config that says arm64
    arm_cfg = image_config([sha(r) for r, _ in layers], arch="arm64")
    cd = write_blob(layout, arm_cfg)
    with open(os.path.join(layout, "blobs", "sha256", desc["digest"][7:]), "rb") as f:
        m = json.load(f)
    m["config"] = {"mediaType": MT_CONFIG, "digest": cd, "size": len(arm_cfg)}
    arm_m = json.dumps(m).encode()
    arm_d = write_blob(layout, arm_m)
    sub = json.dumps({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [
        {"mediaType": MT_MANIFEST, "digest": arm_d, "size": len(arm_m),
         "platform": {"architecture": "arm64", "os": "linux"}},
        desc]}).encode()
    sd = write_blob(layout, sub)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": MT_INDEX, "digest": sd, "size": len(sub),
             "annotations": {"org.opencontainers.image.ref.name": "multi:latest"}}]}, f)


def hostile(out):
    outside = os.path.join(out, "outside")
    os.makedirs(outside, exist_ok=True)
    cases = {}
    t = Tar()
    t.file("ok", b"ok\n")
    t.file("../../../../../../../../../.." + outside + "/traversal", b"pwned\n")
    cases["traversal"] = t.bytes()
    t = Tar()
    t.file(outside + "/absolute", b"pwned\n")
    cases["absolute"] = t.bytes()
    t = Tar()
    t.symlink("a", outside)
    t.file("a/symlink", b"pwned\n")
    cases["symlink"] = t.bytes()
    t = Tar()
    t.hardlink("h", "../../../../../../../../etc/passwd")
    cases["hardlink"] = t.bytes()
    for kind, raw in cases.items():
        make_layout(os.path.join(out, "hostile-" + kind), [(raw, "gzip")], cfg={}, ref="hostile:" + kind)
    good = Tar()
    good.file("fine", b"fine\n")
    raw = good.bytes()
    for kind in ("baddigest", "truncated"):
        make_layout(os.path.join(out, "hostile-" + kind), [(raw, "gzip")], cfg={}, ref="hostile:" + kind,
                    corrupt=kind)


def big(out, tar_path):
    with open(tar_path, "rb") as f:
        raw = f.read()
    make_layout(os.path.join(out, "big"), [(raw, "gzip")], cfg={"Cmd": ["/bin/true"]}, ref="latest")


def bomb(out, mib):
    t = Tar()
    t.file("zeros", bytes(mib << 20))
    make_layout(os.path.join(out, "bomb"), [(t.bytes(), "gzip")], cfg={"Cmd": ["/bin/true"]}, ref="bomb:latest")


def suid(out, exe, hostdir):
    with open(exe, "rb") as f:
        data = f.read()
    t = Tar()
    t.file("bin/euid", data, 0o4755)
    cfg = {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"], "Labels": {"dev.cove.overlay.lowers": hostdir}}
    make_layout(os.path.join(out, "suid"), [(busybox_layer(), "gzip"), (t.bytes(), "none")], cfg=cfg,
                ref="suid:latest")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if "--bomb" in sys.argv:
        bomb(out, int(sys.argv[sys.argv.index("--bomb") + 1]))
        return
    if "--suid" in sys.argv:
        i = sys.argv.index("--suid")
        suid(out, sys.argv[i + 1], sys.argv[i + 2])
        return
    if "--big-tar" in sys.argv:
        big(out, sys.argv[sys.argv.index("--big-tar") + 1])
        return
    raws = [busybox_layer(), layer2(), layer3()]
    layers = [(raws[0], "gzip"), (raws[1], "none"), (raws[2], "zstd")]
    _, config, _ = make_layout(os.path.join(out, "layout"), layers)
    tar_dir(os.path.join(out, "layout"), os.path.join(out, "oci-archive.tar"))
    docker_archive(out, raws, config)
    index_multi(out, layers)
    hostile(out)


if __name__ == "__main__":
    main()
