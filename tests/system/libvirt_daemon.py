"""A libvirt daemon of a test's own, as a remote host would be: libvirtd in
its own mount namespace, listening on TCP 127.0.0.1 without auth, with its
configuration, state, run and log directories its own (private tmpfs, or
bind mounts of the test's directory), and the harness's directories (/root,
/work, /tmp) hidden under empty tmpfs: the daemon and its QEMU share no
directory with the harness. Debian 12's libvirt 9.0 has no systemd here:
`libvirtd --listen` with listen_tcp=1."""
import os
import shutil
import signal
import socket
import subprocess
import time

# What the daemon's namespace covers with tmpfs: its state, and everything
# of the harness's (the lab kernel's cache, the worktrees, the run dirs).
PRIVATE = ["/run/libvirt", "/var/lib/libvirt", "/var/cache/libvirt"]
HIDDEN = ["/root", "/work", "/tmp", "/home"]
# Never hidden: what the daemon itself runs from.
SYSTEM = {"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc", "/run",
          "/sbin", "/srv", "/sys", "/usr", "/var"}


def hidden_dirs(paths):
    """HIDDEN, and the top-level directory of each of the harness's own paths
    (a clone in /check, say, as CI has it), but the system's."""
    dirs = list(HIDDEN)
    for path in paths:
        parts = os.path.abspath(path).split(os.sep)
        top = os.sep + parts[1] if len(parts) > 1 and parts[1] else None
        if top and top not in SYSTEM and top not in dirs:
            dirs.append(top)
    return [d for d in dirs if os.path.isdir(d)]


def software_kvm():
    """/dev/kvm is kvm_pvm: libvirt holds it usable, QEMU's probe cannot
    enable it, so libvirt probes again at every call (its capability cache
    never valid): seconds per call, most of a minute per domain start."""
    return os.path.exists("/dev/kvm") and os.path.isdir("/sys/module/kvm_pvm")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    def __init__(self, base, name, hide=()):
        self.hide = hidden_dirs([base, *hide])
        self.dir = os.path.join(base, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.port = free_port()
        self.uri = f"qemu+tcp://127.0.0.1:{self.port}/system"
        self.etc = os.path.join(self.dir, "etc")
        self.log = os.path.join(self.dir, "log")
        self.pidfile = os.path.join(self.log, "libvirtd.pid")
        self.proc = None
        self.ns = None  # its mount namespace, once it runs
        shutil.copytree("/etc/libvirt", self.etc, symlinks=True)
        os.makedirs(self.log)
        # no network of the host's to autostart (dnsmasq), none needed
        shutil.rmtree(os.path.join(self.etc, "qemu", "networks", "autostart"), ignore_errors=True)
        with open(os.path.join(self.etc, "libvirtd.conf"), "a") as f:
            f.write(f'\nlisten_tls = 0\nlisten_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "{self.port}"\n'
                    'auth_tcp = "none"\nlog_outputs = "3:file:/var/log/libvirt/libvirtd.log"\n')
        # no virtlogd here; QEMU runs as the daemon's user (libvirt-qemu), as a
        # stock daemon does
        with open(os.path.join(self.etc, "qemu.conf"), "a") as f:
            f.write('\nstdio_handler = "file"\n')
            # libvirt cannot move a bind-mounted /dev/kvm (see start) into a
            # QEMU's private /dev
            if software_kvm():
                f.write('namespaces = []\n')

    def start(self):
        for d in PRIVATE + ["/var/log/libvirt"]:
            os.makedirs(d, exist_ok=True)
        mounts = [f"mount --bind {self.etc} /etc/libvirt", f"mount --bind {self.log} /var/log/libvirt"]
        mounts += [f"mount -t tmpfs -o mode=0755 oopslab-test {d}" for d in PRIVATE]
        mounts += ["mkdir -p /var/lib/libvirt/images /var/lib/libvirt/qemu /var/cache/libvirt/qemu"]
        mounts += [f"mount -t tmpfs -o mode=0755 oopslab-hidden {d}" for d in self.hide]
        # A /dev/kvm its QEMU user (libvirt-qemu) cannot open, so that
        # libvirt holds KVM unusable and keeps its capability cache. (The
        # harness, whose QEMU runs as root, needs a read-only mount for the
        # same: harness/kvm-mask.c.)
        if software_kvm():
            mounts += ["touch /run/libvirt/no-kvm", "chmod 0600 /run/libvirt/no-kvm",
                       "mount --bind /run/libvirt/no-kvm /dev/kvm"]
        script = " && ".join(mounts) + f" && exec libvirtd --listen -f /etc/libvirt/libvirtd.conf -p /var/log/libvirt/libvirtd.pid"
        self.out = open(os.path.join(self.dir, "libvirtd.out"), "w")
        # unshare execs sh, which execs libvirtd: the child's pid is the daemon's
        self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"libvirtd exited ({self.proc.returncode}): {self.output()}")
            p = subprocess.run(["virsh", "-c", self.uri, "uri"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=60)
            if p.returncode == 0:
                self.ns = os.readlink(f"/proc/{self.proc.pid}/ns/mnt")
                return self
            time.sleep(0.5)
        raise RuntimeError(f"libvirtd on port {self.port} did not answer: {self.output()}")

    def output(self):
        text = ""
        for f in ("libvirtd.out", "log/libvirtd.log"):
            try:
                with open(os.path.join(self.dir, f), errors="replace") as fh:
                    text += f"--- {f}:\n" + fh.read()[-3000:]
            except OSError:
                pass
        return text

    def virsh(self, *args):
        return subprocess.run(["virsh", "-c", self.uri, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=120)

    def exec_in(self, *cmd):
        """A command in the daemon's mount namespace (nsenter by its pid)."""
        return subprocess.run(["nsenter", "-t", str(self.proc.pid), "-m", *cmd], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=60)

    def domains_started(self):
        """Every domain this daemon started: each has its QEMU log in the
        daemon's log directory (the test's own)."""
        d = os.path.join(self.log, "qemu")
        return [f[:-len(".log")] for f in os.listdir(d) if f.endswith(".log")] if os.path.isdir(d) else []

    def qemu_pids(self):
        """The QEMUs of this daemon's domains (libvirt daemonizes them, each
        in a mount namespace of its own: neither its children nor in its
        namespace)."""
        pids = []
        for name in self.domains_started():
            p = subprocess.run(["pgrep", "-f", f"guest={name},"], stdout=subprocess.PIPE, text=True)
            pids += [int(x) for x in p.stdout.split()]
        return pids

    def stop(self):
        """Its domains destroyed, its QEMUs gone, the daemon stopped: by pid."""
        if not self.proc or self.proc.poll() is not None:
            return
        if self.ns:
            for name in self.virsh("list", "--name").stdout.split():
                self.virsh("destroy", name)
            for pid in self.qemu_pids():
                os.kill(pid, signal.SIGKILL)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.out.close()
