"""A private PipeWire sound server with virtual devices, so tests drive real PortAudio streams.

Each `PipeWire` runs in its own runtime directory (mode 700) under its own D-Bus session, started
as `dbus-run-session -- sh -c 'pipewire & wireplumber & pipewire-pulse & wait'` in a new process
group, and stopped by killing that group. Nothing touches the machine's own sound setup.

The server runs its graph in fixed periods (quanta) of `quantum` samples, 240 (5 ms) unless told
otherwise, through a drop-in in its private HOME. The quantum must divide the clients' 960-sample
(20 ms) PortAudio blocks: with PipeWire's default of 1024, or any power of two, a block is
complete only every 1024 samples and two come at once every 16th period, so captured frames
reach the client with a sawtooth of 0-21 ms of jitter (measured: p98 21 ms at 1024 and at 256,
1.2 ms at 240 and 480), and every listener's jitter buffer holds that much more.

Every client in a test gets its own pair of virtual devices:

    <name>_feed  (null sink)   --monitor-->  <name>_mic  (remap source, mono)
    <name>_spk   (null sink)   --monitor-->  what the test records

The test plays speech into `<name>_feed` (`paplay`), the client captures from `<name>_mic`, the
client plays to `<name>_spk`, and the test records `<name>_spk.monitor` (`parec`). PortAudio sees
devices through ALSA, so each pair is also an ALSA PCM in a private ~/.asoundrc (HOME is a temp
folder for the clients): `majlis_<name>_mic` and `majlis_<name>_spk`, routed by PipeWire's ALSA
plugin to those nodes. Client processes must start after `add_client`, and with `env`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("pipewire", "wireplumber", "pipewire-pulse", "pactl", "paplay", "parec",
         "dbus-run-session")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


@dataclass(frozen=True)
class VirtualDevices:
    """One client's virtual microphone and speaker."""

    name: str
    feed_sink: str  # play into this to speak into the microphone
    mic_source: str
    speaker_sink: str  # the client plays here; record its monitor
    mic_pcm: str  # PortAudio device names for --mic / --speaker
    speaker_pcm: str
    modules: tuple[int, ...]

    @property
    def speaker_monitor(self) -> str:
        return self.speaker_sink + ".monitor"


DEFAULT_QUANTUM = 240


class PipeWire:
    def __init__(self, root: Path, quantum: int = DEFAULT_QUANTUM, *, fixed: bool = True) -> None:
        """`fixed`: the graph runs `quantum` whatever its streams ask for (tests). Otherwise
        `quantum` is only the default, as on a desktop: PipeWire's own limits (32 to 2048,
        rounded to a power of two) and the streams' requests decide."""
        self.root = root
        self.quantum = quantum
        self.fixed = fixed
        self.runtime = root / "runtime"
        self.home = root / "home"
        self.runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.runtime, 0o700)
        self.home.mkdir(parents=True, exist_ok=True)
        self.asoundrc = self.home / ".asoundrc"
        self.asoundrc.write_text("")
        drop_in = self.home / ".config" / "pipewire" / "pipewire.conf.d" / "majlis-quantum.conf"
        drop_in.parent.mkdir(parents=True, exist_ok=True)
        if fixed:
            limits = ("    clock.power-of-two-quantum = false\n"
                      f"    default.clock.min-quantum = {quantum}\n"
                      f"    default.clock.max-quantum = {quantum}\n")
        else:  # a desktop's defaults, also inside a virtual machine (which raises the minimum)
            limits = ("    clock.power-of-two-quantum = true\n"
                      "    default.clock.min-quantum = 32\n"
                      "    default.clock.max-quantum = 2048\n"
                      "    vm.overrides = { }\n")
        drop_in.write_text("context.properties = {\n"
                           f"    default.clock.quantum = {quantum}\n"
                           f"{limits}"
                           "}\n")
        self.env = dict(os.environ, XDG_RUNTIME_DIR=str(self.runtime), HOME=str(self.home),
                        PIPEWIRE_RUNTIME_DIR=str(self.runtime), PULSE_RUNTIME_PATH=str(
                            self.runtime / "pulse"))
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.clients: dict[str, VirtualDevices] = {}

    def start(self, timeout: float = 20.0) -> None:
        log = open(self.root / "pipewire.log", "wb")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            ["dbus-run-session", "--", "sh", "-c",
             "pipewire & sleep 0.5; wireplumber & pipewire-pulse & wait"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"PipeWire exited: {(self.root / 'pipewire.log').read_text()}")
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("PipeWire did not answer `pactl info` in time")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the group this fixture started, by its id
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def pactl(self, *args: str) -> str:
        done = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True,
                              check=True)
        return done.stdout.strip()

    def add_client(self, name: str) -> VirtualDevices:
        """Create `name`'s virtual microphone and speaker, and their ALSA names."""
        feed, mic, spk = f"{name}_feed", f"{name}_mic", f"{name}_spk"
        modules = (
            int(self.pactl("load-module", "module-null-sink", f"sink_name={feed}", "rate=48000",
                           "channels=1")),
            int(self.pactl("load-module", "module-null-sink", f"sink_name={spk}", "rate=48000",
                           "channels=1")),
            # Without the channel options the remap has a gain of 1.41 and speech clips.
            int(self.pactl("load-module", "module-remap-source", f"source_name={mic}",
                           f"master={feed}.monitor", "channels=1", "channel_map=mono")),
        )
        devices = VirtualDevices(name, feed, mic, spk, f"majlis_{name}_mic",
                                 f"majlis_{name}_spk", modules)
        with self.asoundrc.open("a") as rc:
            rc.write(f'pcm.{devices.mic_pcm} {{ type pipewire capture_node "{mic}" }}\n'
                     f'pcm.{devices.speaker_pcm} {{ type pipewire playback_node "{spk}" }}\n')
        self.clients[name] = devices
        return devices

    def freeze(self, seconds: float) -> None:
        """Stop the sound server for a while (SIGSTOP, then SIGCONT), as a hung server would:
        every client's streams stall, then come back."""
        assert self.proc is not None
        group = os.getpgid(self.proc.pid)
        daemons = [int(pid) for pid in os.listdir("/proc") if pid.isdigit()
                   and _group(int(pid)) == group and _name(int(pid)) == "pipewire"]
        for pid in daemons:
            os.kill(pid, signal.SIGSTOP)  # the daemon this fixture started, by its id
        try:
            time.sleep(seconds)
        finally:
            for pid in daemons:
                os.kill(pid, signal.SIGCONT)

    def play(self, sink: str, wav: Path) -> subprocess.Popen[bytes]:
        """Start playing a WAV into a sink (a client's microphone feed)."""
        return subprocess.Popen(["paplay", f"--device={sink}", str(wav)], env=self.env)

    def record(self, source: str, wav: Path) -> subprocess.Popen[bytes]:
        """Start recording a source (a speaker's monitor) to a 48 kHz mono WAV; stop() it."""
        return subprocess.Popen(
            ["parec", f"--device={source}", "--latency-msec=20", "--rate=48000", "--channels=1",
             "--format=s16le", "--file-format=wav", str(wav)], env=self.env)


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def stop_recording(proc: subprocess.Popen[bytes]) -> None:
    """parec writes a complete WAV header when it gets SIGINT or SIGTERM."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
