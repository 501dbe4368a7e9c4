"""The desktop app: Qt widgets and models over one asyncio room thread (see docs/DESKTOP.md).

Only `app.ui.qt` imports the Qt binding. `runner.RoomRunner` is the single bridge to the room
thread; pages and dialogs talk to it and never to the room protocol, a socket or a device.
"""
