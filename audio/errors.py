"""The audio package's one error tree.

    AudioError
    ├── CodecError   libopus refused a packet or a setting (a corrupted packet, a bad frame)
    ├── WavError     a WAV file could not be read or written; str(e) names the file and the problem
    └── DeviceError  a microphone or speaker could not be opened or stopped working (a sentence)

Bad arguments from our own code (a float array where int16 PCM is expected, a sequence number
outside u32) raise ValueError instead: they are bugs to fix, not conditions to handle at run time.
"""

from __future__ import annotations


class AudioError(Exception):
    """Base of every error the audio package raises on purpose."""


class CodecError(AudioError):
    """libopus rejected a packet or a setting; the message says which and why."""


class WavError(AudioError):
    """A WAV file could not be used; the message is a sentence a user understands."""


class DeviceError(AudioError):
    """A sound device could not be opened or stopped working; str(e) is a sentence for the user."""
