"""Settings: devices and a microphone test, push-to-talk, audio quality, proxy, language, theme,
and what (if anything) this computer keeps.

The microphone test opens the device on a thread of its own (`LevelProbe`) and this dialog only
polls the level from a timer, so a slow or missing device never freezes the window.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from app.settings import QUALITIES, Settings
from app.ui.audio import AudioFactory, Device, LevelProbe, device_factory, list_devices
from app.ui.common import Retranslates, button, confirm, label, plain_dialog
from app.ui.languages import LANGUAGES
from app.ui.qt import Qt, QtCore, QtGui, QtWidgets

PROXY_SCHEMES = ("socks5", "socks5h", "http")


def proxy_problem(text: str) -> str:
    """"" if `text` is empty or a usable proxy URL, else a translated sentence."""
    if text.strip().lower() in ("", "none", "tor", "system"):  # as the headless client accepts
        return ""
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname or port is None:
        return QtCore.QCoreApplication.translate(
            "SettingsDialog",
            "Write the proxy as socks5://host:port (Tor: socks5://127.0.0.1:9050, or just tor), "
            "http://host:port, or system.")
    return ""


# ALSA's plug-in devices: routes to other devices, not devices. "default" is what "System default"
# already means; the others mix, resample or split channels and confuse more than they help.
ALSA_PLUGINS = {"default", "sysdefault", "dmix", "dsnoop", "front", "rear", "center_lfe", "side",
                "surround21", "surround40", "surround41", "surround50", "surround51",
                "surround71", "iec958", "spdif", "hdmi", "modem", "phoneline", "samplerate",
                "speexrate", "lavrate", "upmix", "vdownmix", "jack", "oss", "null"}
SOUND_SERVERS = {"pulse": "PulseAudio", "pipewire": "PipeWire"}


def offered_devices(devices: Sequence[Device], want_input: bool) -> list[tuple[str, str]]:
    """(name, label) of the devices worth offering as a microphone or a speaker.

    ALSA plug-ins are left out, the sound servers get their own names, the hardware's labels
    lose their "(hw:0,0)" tail, and the monitor of an output (what a speaker plays) is never
    offered as a microphone."""
    offered = []
    for d in devices:
        if not (d.inputs if want_input else d.outputs):
            continue
        base = d.name.split(":", 1)[0].strip().lower()
        if d.name.strip().lower() in ALSA_PLUGINS or base in ALSA_PLUGINS:
            continue
        if want_input and "monitor" in d.name.lower():
            continue
        shown = SOUND_SERVERS.get(d.name.strip().lower(),
                                  re.sub(r"\s*\((hw|plughw):[^)]*\)\s*$", "", d.name).strip())
        offered.append((d.name, shown or d.name))
    return offered


class SettingsDialog(Retranslates, QtWidgets.QDialog):
    """Edits a copy of the settings; `result_settings()` after `accepted`."""

    forgetRequested = QtCore.Signal()

    def __init__(self, settings: Settings, probe_factory: AudioFactory | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        plain_dialog(self)
        self.settings = settings
        self.probe_factory = probe_factory
        self.probe: LevelProbe | None = None
        self.setMinimumWidth(520)
        layout = QtWidgets.QVBoxLayout(self)
        self.tabs = QtWidgets.QTabWidget(self)
        layout.addWidget(self.tabs)

        audio = QtWidgets.QWidget(self)
        form = QtWidgets.QFormLayout(audio)
        self.input_label, self.input = QtWidgets.QLabel(audio), QtWidgets.QComboBox(audio)
        self.output_label, self.output = QtWidgets.QLabel(audio), QtWidgets.QComboBox(audio)
        self.devices_note = QtWidgets.QLabel(audio)
        self.devices_note.setWordWrap(True)
        self.test = button("mic", parent=audio)
        self.test.setCheckable(True)
        self.meter = QtWidgets.QProgressBar(audio)
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.quality_label, self.quality = QtWidgets.QLabel(audio), QtWidgets.QComboBox(audio)
        self.ptt = QtWidgets.QCheckBox(audio)
        self.ptt.setChecked(settings.push_to_talk)
        self.ptt_key_label = QtWidgets.QLabel(audio)
        self.ptt_key = QtWidgets.QKeySequenceEdit(QtGui.QKeySequence(settings.ptt_key), audio)
        self.ptt_key.setMaximumSequenceLength(1)
        self.noise = QtWidgets.QCheckBox(audio)
        self.noise.setChecked(settings.noise_suppression)
        self.echo = QtWidgets.QCheckBox(audio)
        self.echo.setChecked(settings.echo_cancellation)
        for lab, field in ((self.input_label, self.input), (self.output_label, self.output),
                           (self.quality_label, self.quality), (self.ptt_key_label, self.ptt_key)):
            lab.setBuddy(field)
        form.addRow(self.input_label, self.input)
        form.addRow(self.output_label, self.output)
        form.addRow(self.devices_note)
        form.addRow(self.test, self.meter)
        form.addRow(self.quality_label, self.quality)
        form.addRow(self.ptt)
        form.addRow(self.ptt_key_label, self.ptt_key)
        form.addRow(self.noise)
        form.addRow(self.echo)
        self.tabs.addTab(audio, "")

        network = QtWidgets.QWidget(self)
        form = QtWidgets.QFormLayout(network)
        self.proxy_label, self.proxy = QtWidgets.QLabel(network), QtWidgets.QLineEdit(network)
        self.proxy.setText(settings.proxy)
        self.proxy_label.setBuddy(self.proxy)
        self.proxy_note = QtWidgets.QLabel(network)
        self.proxy_note.setWordWrap(True)
        self.proxy_error = QtWidgets.QLabel(network)
        self.proxy_error.setWordWrap(True)
        self.proxy_error.setStyleSheet("color: #c0392b;")
        self.lan = QtWidgets.QCheckBox(network)
        self.lan.setChecked(settings.lan_discovery)
        form.addRow(self.proxy_label, self.proxy)
        form.addRow(self.proxy_note)
        form.addRow(self.proxy_error)
        form.addRow(self.lan)
        self.tabs.addTab(network, "")

        look = QtWidgets.QWidget(self)
        form = QtWidgets.QFormLayout(look)
        self.language_label, self.language = QtWidgets.QLabel(look), QtWidgets.QComboBox(look)
        self.theme_label, self.theme = QtWidgets.QLabel(look), QtWidgets.QComboBox(look)
        self.language_label.setBuddy(self.language)
        self.theme_label.setBuddy(self.theme)
        form.addRow(self.language_label, self.language)
        form.addRow(self.theme_label, self.theme)
        self.tabs.addTab(look, "")

        privacy = QtWidgets.QWidget(self)
        box = QtWidgets.QVBoxLayout(privacy)
        name_row = QtWidgets.QFormLayout()
        self.name_label, self.name = QtWidgets.QLabel(privacy), QtWidgets.QLineEdit(privacy)
        self.name.setMaxLength(64)
        self.name.setText(settings.display_name)
        self.name_label.setBuddy(self.name)
        name_row.addRow(self.name_label, self.name)
        box.addLayout(name_row)
        self.remember = QtWidgets.QCheckBox(privacy)
        self.remember.setChecked(settings.remember)
        self.keep_identity = QtWidgets.QCheckBox(privacy)
        self.keep_identity.setChecked(settings.keep_identity)
        self.privacy_note = QtWidgets.QLabel(privacy)
        self.privacy_note.setWordWrap(True)
        self.forget = button(danger=True, parent=privacy)
        for w in (self.remember, self.keep_identity, self.privacy_note):
            box.addWidget(w)
        box.addWidget(self.forget, 0, Qt.AlignmentFlag.AlignLeading)
        box.addStretch(1)
        self.tabs.addTab(privacy, "")

        buttons = QtWidgets.QHBoxLayout()
        self.cancel = button(parent=self)
        self.ok = button(accent=True, parent=self)
        self.ok.setDefault(True)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        layout.addLayout(buttons)

        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(33)
        self.timer.timeout.connect(self._poll)
        self.test.toggled.connect(self._test_toggled)
        self.proxy.textChanged.connect(self._check_proxy)
        self.ok.clicked.connect(self._accept)
        self.cancel.clicked.connect(self.reject)
        self.forget.clicked.connect(self._ask_forget)
        self.finished.connect(self._stop_probe)
        self._fill_devices()
        self.retranslate()
        self._check_proxy()

    def _fill_devices(self) -> None:
        devices = list_devices()
        for combo, wanted, want_input in ((self.input, self.settings.input_device, True),
                                          (self.output, self.settings.output_device, False)):
            combo.clear()
            combo.addItem("", "")
            for name, shown in offered_devices(devices, want_input):
                combo.addItem(shown, name)
            combo.setCurrentIndex(max(0, combo.findData(wanted)))
        self.devices_note.setVisible(not devices)
        self.test.setEnabled(bool(devices) or self.probe_factory is not None)

    def result_settings(self) -> Settings:
        return replace(
            self.settings, display_name=self.name.text().strip()[:64] or self.settings.display_name,
            input_device=str(self.input.currentData() or ""),
            output_device=str(self.output.currentData() or ""),
            quality=str(self.quality.currentData() or "high"), push_to_talk=self.ptt.isChecked(),
            ptt_key=self.ptt_key.keySequence().toString() or self.settings.ptt_key,
            proxy=self.proxy.text().strip(), lan_discovery=self.lan.isChecked(),
            noise_suppression=self.noise.isChecked(), echo_cancellation=self.echo.isChecked(),
            language=str(self.language.currentData() or ""),
            theme=str(self.theme.currentData() or "system"), remember=self.remember.isChecked(),
            keep_identity=self.keep_identity.isChecked()).cleaned()

    def _ask_forget(self) -> None:
        confirm(self, self.tr("Forget everything?"),
                self.tr("Your saved name, settings and identity key are deleted from this "
                        "computer. People who verified your key will see a new one next time."),
                self.tr("&Forget everything"), self.forgetRequested.emit)

    def _check_proxy(self) -> None:
        problem = proxy_problem(self.proxy.text())
        self.proxy_error.setText(problem)
        self.proxy_error.setVisible(bool(problem))
        self.ok.setEnabled(not problem)

    def _accept(self) -> None:
        if not proxy_problem(self.proxy.text()):
            self.accept()

    def _test_toggled(self, on: bool) -> None:
        self._stop_probe()
        if on:
            factory = self.probe_factory or device_factory(str(self.input.currentData() or ""))
            self.probe = LevelProbe(factory)
            self.probe.start()
            self.timer.start()
        label(self.test, self.tr("Stop the test") if on else self.tr("&Test the microphone"))

    def _stop_probe(self) -> None:
        self.timer.stop()
        if self.probe is not None:
            self.probe.stop()
            self.probe = None
        self.meter.setValue(0)

    def _poll(self) -> None:
        probe = self.probe
        if probe is None:
            return
        if probe.error:
            self.devices_note.setText(probe.error)
            self.devices_note.show()
            self.test.setChecked(False)
            return
        value = min(100, round(probe.level * 400))
        if value != self.meter.value():  # 30 times a second: only when the bar moves
            self.meter.setValue(value)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        for index, text in enumerate((self.tr("Sound"), self.tr("Network"),
                                      self.tr("Appearance"), self.tr("Privacy"))):
            self.tabs.setTabText(index, text)
        self.tabs.tabBar().setAccessibleName(self.tr("Settings sections"))
        label(self.input_label, self.tr("&Microphone:"))
        label(self.input, self.tr("Microphone"))
        label(self.output_label, self.tr("Spea&ker:"))
        label(self.output, self.tr("Speaker"))
        for combo in (self.input, self.output):
            combo.setItemText(0, self.tr("System default"))
        self.devices_note.setText(self.tr("No audio devices were found. You can still join "
                                          "rooms, but you will neither hear nor be heard."))
        label(self.test, self.tr("Stop the test") if self.test.isChecked()
              else self.tr("&Test the microphone"))
        label(self.meter, self.tr("Microphone level"))
        label(self.quality_label, self.tr("Audio &quality:"))
        label(self.quality, self.tr("Audio quality"))
        names = {"low": self.tr("Low data (16 kbit/s)"),
                 "standard": self.tr("Standard (24 kbit/s)"),
                 "high": self.tr("High (32 kbit/s)")}
        self._fill(self.quality, [(names[k], k) for k in QUALITIES], self.settings.quality)
        label(self.ptt, self.tr("&Push to talk: hold a key to speak"))
        label(self.ptt_key_label, self.tr("Push-to-talk ke&y:"))
        label(self.ptt_key, self.tr("Push-to-talk key"))
        label(self.noise, self.tr("Reduce background &noise"),
              self.tr("Takes out steady noise (fans, traffic) before your voice is sent."))
        label(self.echo, self.tr("Cancel &echo"),
              self.tr("Stops others hearing themselves through your speakers. With headphones "
                      "you can turn it off."))
        label(self.proxy_label, self.tr("&Proxy:"))
        label(self.proxy, self.tr("Proxy address"))
        self.proxy_note.setText(self.tr(
            "To hide your address from the relay, connect through Tor: run Tor Browser or the "
            "Tor service and enter socks5://127.0.0.1:9050 (Tor Browser: port 9150). Leave "
            "empty to connect directly. With a proxy set, Majlis never connects without it."))
        label(self.lan, self.tr("&Look for rooms on this network"),
              self.tr("Other devices on this network can see that this computer is looking for "
                      "Majlis rooms."))
        label(self.language_label, self.tr("&Language:"))
        label(self.language, self.tr("Language"))
        self._fill(self.language, [(self.tr("System language"), "")]
                   + [(native, code) for code, native in LANGUAGES.items()],
                   self.settings.language)
        label(self.theme_label, self.tr("&Theme:"))
        label(self.theme, self.tr("Theme"))
        self._fill(self.theme, [(self.tr("Like the system"), "system"), (self.tr("Light"), "light"),
                                (self.tr("Dark"), "dark")], self.settings.theme)
        label(self.name_label, self.tr("Your &name in rooms:"))
        label(self.name, self.tr("Your name"),
              self.tr("Only people in the same room see it. A room you are in keeps the name "
                      "you joined with."))
        label(self.remember, self.tr("&Remember my name and settings on this computer"))
        label(self.keep_identity, self.tr("&Keep my identity on this computer"))
        self.privacy_note.setText(self.tr(
            "Majlis never saves rooms, invite links, who was there or anything that was said. "
            "With both boxes off it saves nothing at all: someone who searches this computer "
            "finds no Majlis settings."))
        label(self.forget, self.tr("&Forget everything on this computer"))
        label(self.cancel, self.tr("Cancel"))
        label(self.ok, self.tr("&Save"))

    @staticmethod
    def _fill(combo: QtWidgets.QComboBox, items: list[tuple[str, str]], current: str) -> None:
        selected = combo.currentData() if combo.count() else current
        combo.blockSignals(True)
        combo.clear()
        for text, data in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(0, combo.findData(selected)))
        combo.blockSignals(False)
