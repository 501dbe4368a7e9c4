<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>Codes</name>
    <message>
        <source>This is not a Majlis code. A code looks like %1: a short number, then six digits.</source>
        <translation>This is not a Majlis code. A code looks like %1: a short number, then six digits.</translation>
    </message>
    <message>
        <source>The code starts with a short number and a dash, like the 7 in %1; type it with that first number.</source>
        <translation>The code starts with a short number and a dash, like the 7 in %1; type it with that first number.</translation>
    </message>
    <message>
        <source>After its first number a code has exactly six digits, like %1. Check it with the person who gave it.</source>
        <translation>After its first number a code has exactly six digits, like %1. Check it with the person who gave it.</translation>
    </message>
    <message>
        <source>Nobody is offering this code here. It may have expired or been used, or its first number may be wrong. Check it, or ask for a new code.</source>
        <translation>Nobody is offering this code here. It may have expired or been used, or its first number may be wrong. Check it, or ask for a new code.</translation>
    </message>
    <message>
        <source>The code does not match. Check the digits with the person who gave it to you; after %2 wrong tries a code stops working.</source>
        <translation>The code does not match. Check the digits with the person who gave it to you; after %2 wrong tries a code stops working.</translation>
    </message>
    <message>
        <source>This code has expired. Ask for a new one: a code works for %3 minutes.</source>
        <translation>This code has expired. Ask for a new one: a code works for %3 minutes.</translation>
    </message>
    <message>
        <source>This code no longer works: it was used, or tried wrongly too many times. Ask for a new one.</source>
        <translation>This code no longer works: it was used, or tried wrongly too many times. Ask for a new one.</translation>
    </message>
    <message>
        <source>The person who offered this code closed it before the exchange finished.</source>
        <translation>The person who offered this code closed it before the exchange finished.</translation>
    </message>
    <message>
        <source>The other side did not answer in time. Try again, or ask for a new code.</source>
        <translation>The other side did not answer in time. Try again, or ask for a new code.</translation>
    </message>
    <message>
        <source>Something on the way changed the exchange, so nothing was accepted. Try again, or ask for a new code.</source>
        <translation>Something on the way changed the exchange, so nothing was accepted. Try again, or ask for a new code.</translation>
    </message>
    <message>
        <source>Could not reach the relay, or it refused the connection.</source>
        <translation>Could not reach the relay, or it refused the connection.</translation>
    </message>
    <message>
        <source>Say which relay the code is on: type the relay&apos;s address (the host&apos;s app shows it with the code), or choose the room in the list of rooms on this network.</source>
        <translation>Say which relay the code is on: type the relay&apos;s address (the host&apos;s app shows it with the code), or choose the room in the list of rooms on this network.</translation>
    </message>
    <message>
        <source>Could not connect through the proxy set in Settings. Majlis does not connect without it.</source>
        <translation>Could not connect through the proxy set in Settings. Majlis does not connect without it.</translation>
    </message>
    <message>
        <source>%4 codes are open already; wait until one is used or expires, or withdraw one.</source>
        <translation>%4 codes are open already; wait until one is used or expires, or withdraw one.</translation>
    </message>
    <message>
        <source>A relay&apos;s address starts with wss:// (or ws:// on this network), like the one the host&apos;s app shows with the code.</source>
        <translation>A relay&apos;s address starts with wss:// (or ws:// on this network), like the one the host&apos;s app shows with the code.</translation>
    </message>
    <message>
        <source>The room is not open, so no code can be made for it.</source>
        <translation>The room is not open, so no code can be made for it.</translation>
    </message>
    <message>
        <source>Every short code on this relay seems taken right now; try again in a minute.</source>
        <translation>Every short code on this relay seems taken right now; try again in a minute.</translation>
    </message>
    <message>
        <source>Joining with this code did not work.</source>
        <translation>Joining with this code did not work.</translation>
    </message>
    <message>
        <source>Looking for the code on the relay…</source>
        <translation>Looking for the code on the relay…</translation>
    </message>
    <message>
        <source>Checking the code with the host&apos;s app…</source>
        <translation>Checking the code with the host&apos;s app…</translation>
    </message>
    <message>
        <source>The code matches; receiving the invite…</source>
        <translation>The code matches; receiving the invite…</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 left</translation>
    </message>
    <message>
        <source>used by %1</source>
        <translation>used by %1</translation>
    </message>
    <message>
        <source>stopped after %1 wrong tries</source>
        <translation>stopped after %1 wrong tries</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>expired</translation>
    </message>
    <message>
        <source>withdrawn</source>
        <translation>withdrawn</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>closed</translation>
    </message>
    <message>
        <source>Someone tried code %1 and it did not match (%2 of %3 tries left).</source>
        <translation>Someone tried code %1 and it did not match (%2 of %3 tries left).</translation>
    </message>
    <message>
        <source>Code %1 was used by %2 (%3); their knock will say it came through this code.</source>
        <translation>Code %1 was used by %2 (%3); their knock will say it came through this code.</translation>
    </message>
    <message>
        <source>Code %1 stopped working after %2 tries that did not match. Make a new one if someone still needs to join.</source>
        <translation>Code %1 stopped working after %2 tries that did not match. Make a new one if someone still needs to join.</translation>
    </message>
    <message>
        <source>Code %1 expired unused.</source>
        <translation>Code %1 expired unused.</translation>
    </message>
    <message>
        <source>Code %1 was withdrawn.</source>
        <translation>Code %1 was withdrawn.</translation>
    </message>
    <message>
        <source>Say code %1 to the person who should join. It works once, for %2 minutes.</source>
        <translation>Say code %1 to the person who should join. It works once, for %2 minutes.</translation>
    </message>
    <message>
        <source>Code %1 closed: the connection to the relay was lost.</source>
        <translation>Code %1 closed: the connection to the relay was lost.</translation>
    </message>
    <message>
        <source>Join %1?</source>
        <translation>Join %1?</translation>
    </message>
    <message>
        <source>The code worked. It is for the room “%1”, hosted by the key with fingerprint:

%2

If you can, compare this fingerprint with the host&apos;s before you knock.</source>
        <translation>The code worked. It is for the room “%1”, hosted by the key with fingerprint:

%2

If you can, compare this fingerprint with the host&apos;s before you knock.</translation>
    </message>
    <message>
        <source>&amp;Knock</source>
        <translation>&amp;Knock</translation>
    </message>
    <message>
        <source>Ca&amp;ncel</source>
        <translation>Ca&amp;ncel</translation>
    </message>
    <message>
        <source>Opening a code on the relay…</source>
        <translation>Opening a code on the relay…</translation>
    </message>
    <message>
        <source>Or say a code</source>
        <translation>Or say a code</translation>
    </message>
    <message>
        <source>A spoken code lets one person in without sending the link: they type it on their home page. Each code works once, for a few minutes, and stops after %1 wrong tries.</source>
        <translation>A spoken code lets one person in without sending the link: they type it on their home page. Each code works once, for a few minutes, and stops after %1 wrong tries.</translation>
    </message>
    <message>
        <source>Tell them the relay&apos;s address too.</source>
        <translation>Tell them the relay&apos;s address too.</translation>
    </message>
    <message>
        <source>&amp;Make a spoken code</source>
        <translation>&amp;Make a spoken code</translation>
    </message>
    <message>
        <source>&amp;Withdraw code</source>
        <translation>&amp;Withdraw code</translation>
    </message>
    <message>
        <source>Spoken codes</source>
        <translation>Spoken codes</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Welcome to Majlis</source>
        <translation>Welcome to Majlis</translation>
    </message>
    <message>
        <source>Voice rooms that only the people inside can hear. Everything is encrypted on your computer before it leaves, and nothing is recorded.</source>
        <translation>Voice rooms that only the people inside can hear. Everything is encrypted on your computer before it leaves, and nothing is recorded.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Language:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Your &amp;name in rooms:</source>
        <translation>Your &amp;name in rooms:</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Your name</translation>
    </message>
    <message>
        <source>Only people in the same room see it. It does not have to be your real name.</source>
        <translation>Only people in the same room see it. It does not have to be your real name.</translation>
    </message>
    <message>
        <source>Your key fingerprint:</source>
        <translation>Your key fingerprint:</translation>
    </message>
    <message>
        <source>Your key fingerprint: %1</source>
        <translation>Your key fingerprint: %1</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>Make a new key</translation>
    </message>
    <message>
        <source>Throw this key away and make another one.</source>
        <translation>Throw this key away and make another one.</translation>
    </message>
    <message>
        <source>Others in a room can compare this fingerprint, or your safety number, to be sure they are talking to you.</source>
        <translation>Others in a room can compare this fingerprint, or your safety number, to be sure they are talking to you.</translation>
    </message>
    <message>
        <source>&amp;Keep my identity on this computer</source>
        <translation>&amp;Keep my identity on this computer</translation>
    </message>
    <message>
        <source>Off (recommended): a new key every time you open Majlis, and nothing is saved. On: people who verified you can recognise you next time, but a file on this computer shows that Majlis was used here.</source>
        <translation>Off (recommended): a new key every time you open Majlis, and nothing is saved. On: people who verified you can recognise you next time, but a file on this computer shows that Majlis was used here.</translation>
    </message>
    <message>
        <source>&amp;Remember my name and settings on this computer</source>
        <translation>&amp;Remember my name and settings on this computer</translation>
    </message>
    <message>
        <source>&amp;Continue</source>
        <translation>&amp;Continue</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <source>This is not a Majlis invite link, or part of it is missing. Links look like majlis://join#… ; copy the whole link again.</source>
        <translation>This is not a Majlis invite link, or part of it is missing. Links look like majlis://join#… ; copy the whole link again.</translation>
    </message>
    <message>
        <source>To join this room, type the code its host says (like %1) in the field above, or paste the invite link the host shared. Being on the same network is not enough: the code or the link holds the room&apos;s key.</source>
        <translation>To join this room, type the code its host says (like %1) in the field above, or paste the invite link the host shared. Being on the same network is not enough: the code or the link holds the room&apos;s key.</translation>
    </message>
    <message>
        <source>No rooms found on this network yet.</source>
        <translation>No rooms found on this network yet.</translation>
    </message>
    <message>
        <source>Not looking. Turn this on to see rooms hosted on this network.</source>
        <translation>Not looking. Turn this on to see rooms hosted on this network.</translation>
    </message>
    <message>
        <source>Not looking while a proxy is set in Settings: looking would tell this network that Majlis runs here.</source>
        <translation>Not looking while a proxy is set in Settings: looking would tell this network that Majlis runs here.</translation>
    </message>
    <message>
        <source>Looking for rooms on this network…</source>
        <translation>Looking for rooms on this network…</translation>
    </message>
    <message>
        <source>Hello, %1</source>
        <translation>Hello, %1</translation>
    </message>
    <message>
        <source>Majlis</source>
        <translation>Majlis</translation>
    </message>
    <message>
        <source>Your key fingerprint: %1</source>
        <translation>Your key fingerprint: %1</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <source>S&amp;tart a room</source>
        <translation>S&amp;tart a room</translation>
    </message>
    <message>
        <source>Join with a link</source>
        <translation>Join with a link</translation>
    </message>
    <message>
        <source>Paste an invite link (majlis://join#…)</source>
        <translation>Paste an invite link (majlis://join#…)</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>&amp;Join</translation>
    </message>
    <message>
        <source>Join with a spoken code</source>
        <translation>Join with a spoken code</translation>
    </message>
    <message>
        <source>Code the host said (like %1)</source>
        <translation>Code the host said (like %1)</translation>
    </message>
    <message>
        <source>Relay (wss://…), for a room on the internet</source>
        <translation>Relay (wss://…), for a room on the internet</translation>
    </message>
    <message>
        <source>Join with c&amp;ode</source>
        <translation>Join with c&amp;ode</translation>
    </message>
    <message>
        <source>The link is the key to the room: anyone who has it can ask to come in. Share it only with people you trust, in a private message.</source>
        <translation>The link is the key to the room: anyone who has it can ask to come in. Share it only with people you trust, in a private message.</translation>
    </message>
    <message>
        <source>Rooms on this network</source>
        <translation>Rooms on this network</translation>
    </message>
    <message>
        <source>&amp;Look for rooms on this network</source>
        <translation>&amp;Look for rooms on this network</translation>
    </message>
    <message>
        <source>Other devices on this network can see that this computer is looking for Majlis rooms.</source>
        <translation>Other devices on this network can see that this computer is looking for Majlis rooms.</translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Copied. Paste it into a private message.</source>
        <translation>Copied. Paste it into a private message.</translation>
    </message>
    <message>
        <source>Invite people to %1</source>
        <translation>Invite people to %1</translation>
    </message>
    <message>
        <source>Send this link to the people you want in the room.</source>
        <translation>Send this link to the people you want in the room.</translation>
    </message>
    <message>
        <source>Invite link</source>
        <translation>Invite link</translation>
    </message>
    <message>
        <source>&amp;Copy link</source>
        <translation>&amp;Copy link</translation>
    </message>
    <message>
        <source>Show &amp;QR code</source>
        <translation>Show &amp;QR code</translation>
    </message>
    <message>
        <source>QR code of the invite link</source>
        <translation>QR code of the invite link</translation>
    </message>
    <message>
        <source>Anyone who has this link can ask to come in and, unless you approve each person, listen. Do not post it in public places.</source>
        <translation>Anyone who has this link can ask to come in and, unless you approve each person, listen. Do not post it in public places.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>KnockModel</name>
    <message>
        <source>came through code %1</source>
        <translation>came through code %1</translation>
    </message>
    <message>
        <source>%1 asks to join; key fingerprint %2</source>
        <translation>%1 asks to join; key fingerprint %2</translation>
    </message>
</context>
<context>
    <name>LanRoomsModel</name>
    <message>
        <source>Private room (needs its invite)</source>
        <translation>Private room (needs its invite)</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>%1 — Majlis</source>
        <translation>%1 — Majlis</translation>
    </message>
    <message>
        <source>Majlis</source>
        <translation>Majlis</translation>
    </message>
    <message>
        <source>Forgotten</source>
        <translation>Forgotten</translation>
    </message>
    <message>
        <source>Majlis deleted everything it kept on this computer. Nothing is saved until you tick a box in Settings again.</source>
        <translation>Majlis deleted everything it kept on this computer. Nothing is saved until you tick a box in Settings again.</translation>
    </message>
    <message>
        <source>Close Majlis?</source>
        <translation>Close Majlis?</translation>
    </message>
    <message>
        <source>You are hosting this room. Closing Majlis ends the room for everyone and throws its keys away.</source>
        <translation>You are hosting this room. Closing Majlis ends the room for everyone and throws its keys away.</translation>
    </message>
    <message>
        <source>To keep the room going, minimise the window instead.</source>
        <translation>To keep the room going, minimise the window instead.</translation>
    </message>
    <message>
        <source>&amp;End the room and quit</source>
        <translation>&amp;End the room and quit</translation>
    </message>
    <message>
        <source>Mi&amp;nimise</source>
        <translation>Mi&amp;nimise</translation>
    </message>
</context>
<context>
    <name>MemberDelegate</name>
    <message>
        <source>%1 (you)</source>
        <translation>%1 (you)</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <source>%1 percent</source>
        <translation>%1 percent</translation>
    </message>
    <message>
        <source>Choose someone on the stage or in the audience to see their safety number and what you can do.</source>
        <translation>Choose someone on the stage or in the audience to see their safety number and what you can do.</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Co-host</source>
        <translation>Co-host</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Speaker</translation>
    </message>
    <message>
        <source>Listener</source>
        <translation>Listener</translation>
    </message>
    <message>
        <source>Key fingerprint: %1</source>
        <translation>Key fingerprint: %1</translation>
    </message>
    <message>
        <source>Safety number:</source>
        <translation>Safety number:</translation>
    </message>
    <message>
        <source>This is you.</source>
        <translation>This is you.</translation>
    </message>
    <message>
        <source>%1 sees the same number on their screen. Compare it by voice or in person; if it matches, nobody is in between.</source>
        <translation>%1 sees the same number on their screen. Compare it by voice or in person; if it matches, nobody is in between.</translation>
    </message>
    <message>
        <source>Safety number: %1</source>
        <translation>Safety number: %1</translation>
    </message>
    <message>
        <source>I compared it: veri&amp;fied</source>
        <translation>I compared it: veri&amp;fied</translation>
    </message>
    <message>
        <source>Invite to the &amp;stage</source>
        <translation>Invite to the &amp;stage</translation>
    </message>
    <message>
        <source>Move to the &amp;audience</source>
        <translation>Move to the &amp;audience</translation>
    </message>
    <message>
        <source>&amp;Volume:</source>
        <translation>&amp;Volume:</translation>
    </message>
    <message>
        <source>Volume for %1</source>
        <translation>Volume for %1</translation>
    </message>
    <message>
        <source>Leave the stage</source>
        <translation>Leave the stage</translation>
    </message>
    <message>
        <source>Remove &amp;co-host</source>
        <translation>Remove &amp;co-host</translation>
    </message>
    <message>
        <source>Make &amp;co-host</source>
        <translation>Make &amp;co-host</translation>
    </message>
    <message>
        <source>&amp;Remove from the room</source>
        <translation>&amp;Remove from the room</translation>
    </message>
    <message>
        <source>They are told, and the room moves to a new key they never get.</source>
        <translation>They are told, and the room moves to a new key they never get.</translation>
    </message>
    <message>
        <source>Listener, invited to the stage</source>
        <translation>Listener, invited to the stage</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>You are in the waiting room. The host will let you in soon.</source>
        <translation>You are in the waiting room. The host will let you in soon.</translation>
    </message>
    <message>
        <source>%1 invites you to speak on the stage. You start muted: nobody hears you until you unmute.</source>
        <translation>%1 invites you to speak on the stage. You start muted: nobody hears you until you unmute.</translation>
    </message>
    <message>
        <source>You are invited to speak on the stage. You start muted: nobody hears you until you unmute.</source>
        <translation>You are invited to speak on the stage. You start muted: nobody hears you until you unmute.</translation>
    </message>
    <message>
        <source>Connection lost. Reconnecting…</source>
        <translation>Connection lost. Reconnecting…</translation>
    </message>
    <message>
        <source>A message that failed its security check was thrown away. Nothing you hear was affected.</source>
        <translation>A message that failed its security check was thrown away. Nothing you hear was affected.</translation>
    </message>
    <message>
        <source>No microphone or speaker could be opened. You can stay in the room; check Settings.</source>
        <translation>No microphone or speaker could be opened. You can stay in the room; check Settings.</translation>
    </message>
    <message>
        <source>The room could not be announced on this network. People can still join with the invite link.</source>
        <translation>The room could not be announced on this network. People can still join with the invite link.</translation>
    </message>
    <message>
        <source>%1 came in through code %2.</source>
        <translation>%1 came in through code %2.</translation>
    </message>
    <message>
        <source>Someone was removed, so people with the link no longer come in by themselves: they could come back under a new name. Let each person in from the waiting room, or start a new room with a new link.</source>
        <translation>Someone was removed, so people with the link no longer come in by themselves: they could come back under a new name. Let each person in from the waiting room, or start a new room with a new link.</translation>
    </message>
    <message>
        <source>Everyone who knocks now waits until you let them in.</source>
        <translation>Everyone who knocks now waits until you let them in.</translation>
    </message>
    <message>
        <source>You were removed from the room by a host. You can no longer hear it.</source>
        <translation>You were removed from the room by a host. You can no longer hear it.</translation>
    </message>
    <message>
        <source>The host did not let you in.</source>
        <translation>The host did not let you in.</translation>
    </message>
    <message>
        <source>Nobody is in this room: it has ended, or the host has not opened it yet.</source>
        <translation>Nobody is in this room: it has ended, or the host has not opened it yet.</translation>
    </message>
    <message>
        <source>The host did not answer. The room may have ended, or the host is away.</source>
        <translation>The host did not answer. The room may have ended, or the host is away.</translation>
    </message>
    <message>
        <source>The host ended the room.</source>
        <translation>The host ended the room.</translation>
    </message>
    <message>
        <source>The host left, so the room has ended.</source>
        <translation>The host left, so the room has ended.</translation>
    </message>
    <message>
        <source>The room&apos;s host is no longer on this network: the room has ended, or the host&apos;s computer left the network.</source>
        <translation>The room&apos;s host is no longer on this network: the room has ended, or the host&apos;s computer left the network.</translation>
    </message>
    <message>
        <source>Could not connect through the proxy set in Settings. Majlis does not connect without it.</source>
        <translation>Could not connect through the proxy set in Settings. Majlis does not connect without it.</translation>
    </message>
    <message>
        <source>Could not reach the relay, or the connection to it was lost.</source>
        <translation>Could not reach the relay, or the connection to it was lost.</translation>
    </message>
    <message>
        <source>This room is not there any more.</source>
        <translation>This room is not there any more.</translation>
    </message>
    <message>
        <source>Something went wrong and the room was closed.</source>
        <translation>Something went wrong and the room was closed.</translation>
    </message>
    <message>
        <source>Voices and messages in this room are encrypted on each person&apos;s computer. The relay that passes them on cannot listen, and nothing is recorded.

Room code: %1

Everyone in this room sees the same code. Read it out loud: if someone sees a different code, they are not in the same room as you. To be sure of one person, compare your safety number with theirs.</source>
        <translation>Voices and messages in this room are encrypted on each person&apos;s computer. The relay that passes them on cannot listen, and nothing is recorded.

Room code: %1

Everyone in this room sees the same code. Read it out loud: if someone sees a different code, they are not in the same room as you. To be sure of one person, compare your safety number with theirs.</translation>
    </message>
    <message>
        <source>via %1</source>
        <translation>via %1</translation>
    </message>
    <message>
        <source>Connection: measuring…</source>
        <translation>Connection: measuring…</translation>
    </message>
    <message>
        <source>good</source>
        <translation>good</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>fair</translation>
    </message>
    <message>
        <source>poor</source>
        <translation>poor</translation>
    </message>
    <message>
        <source>Connection: %1</source>
        <translation>Connection: %1</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>%1% lost</source>
        <translation>%1% lost</translation>
    </message>
</context>
<context>
    <name>Plurals</name>
    <message numerus="yes">
        <source>Your connection is too slow for %n speakers: you will hear gaps.</source>
        <translation>
            <numerusform>Your connection is too slow for %n speaker: you will hear gaps.</numerusform>
            <numerusform>Your connection is too slow for %n speakers: you will hear gaps.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n tries left</source>
        <translation>
            <numerusform>%n try left</numerusform>
            <numerusform>%n tries left</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RoomPage</name>
    <message>
        <source>&amp;Join the stage</source>
        <translation>&amp;Join the stage</translation>
    </message>
    <message>
        <source>&amp;Not now</source>
        <translation>&amp;Not now</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>The host moved the room to another relay. Following…</source>
        <translation>The host moved the room to another relay. Following…</translation>
    </message>
    <message>
        <source>You were away too long to keep your place: you are joining again, as a listener.</source>
        <translation>You were away too long to keep your place: you are joining again, as a listener.</translation>
    </message>
    <message>
        <source>%1 stays in the audience for now.</source>
        <translation>%1 stays in the audience for now.</translation>
    </message>
    <message>
        <source>That is not possible right now.</source>
        <translation>That is not possible right now.</translation>
    </message>
    <message>
        <source>Another invite link arrived. It is waiting on the home page: leave this room to join it.</source>
        <translation>Another invite link arrived. It is waiting on the home page: leave this room to join it.</translation>
    </message>
    <message>
        <source>Start a new room?</source>
        <translation>Start a new room?</translation>
    </message>
    <message>
        <source>This room ends for everyone in it, and a new room opens with a new link. Share the new link only with the people you want in.</source>
        <translation>This room ends for everyone in it, and a new room opens with a new link. Share the new link only with the people you want in.</translation>
    </message>
    <message>
        <source>&amp;Start a new room</source>
        <translation>&amp;Start a new room</translation>
    </message>
    <message>
        <source>Back to &amp;home</source>
        <translation>Back to &amp;home</translation>
    </message>
    <message>
        <source>End the room?</source>
        <translation>End the room?</translation>
    </message>
    <message>
        <source>You are now a co-host: you can invite people to the stage, move them to the audience and remove them. Your microphone stays as it was.</source>
        <translation>You are now a co-host: you can invite people to the stage, move them to the audience and remove them. Your microphone stays as it was.</translation>
    </message>
    <message>
        <source>&amp;Keep the waiting room</source>
        <translation>&amp;Keep the waiting room</translation>
    </message>
    <message>
        <source>Start a new room with a ne&amp;w link</source>
        <translation>Start a new room with a ne&amp;w link</translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation>&amp;Retry</translation>
    </message>
    <message>
        <source>Everyone is disconnected and the room&apos;s keys are thrown away.</source>
        <translation>Everyone is disconnected and the room&apos;s keys are thrown away.</translation>
    </message>
    <message>
        <source>&amp;End for everyone</source>
        <translation>&amp;End for everyone</translation>
    </message>
    <message>
        <source>Move the room to %1?</source>
        <translation>Move the room to %1?</translation>
    </message>
    <message>
        <source>Everyone reconnects there by themselves: the room, its keys and everyone&apos;s role stay as they are.</source>
        <translation>Everyone reconnects there by themselves: the room, its keys and everyone&apos;s role stay as they are.</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>&amp;Move</translation>
    </message>
    <message>
        <source>Remove %1?</source>
        <translation>Remove %1?</translation>
    </message>
    <message>
        <source>%1 is told they were removed and cannot hear the room any more.</source>
        <translation>%1 is told they were removed and cannot hear the room any more.</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Remove</translation>
    </message>
    <message>
        <source>End-to-end encrypted</source>
        <translation>End-to-end encrypted</translation>
    </message>
    <message>
        <source>Settin&amp;gs</source>
        <translation>Settin&amp;gs</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <source>Waiting to be let in…</source>
        <translation>Waiting to be let in…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <source>End-to-end encrypted · Room code %1</source>
        <translation>End-to-end encrypted · Room code %1</translation>
    </message>
    <message>
        <source>Everyone in the room sees the same code. Compare it to be sure you are all in the same room.</source>
        <translation>Everyone in the room sees the same code. Compare it to be sure you are all in the same room.</translation>
    </message>
    <message>
        <source>On stage (%1)</source>
        <translation>On stage (%1)</translation>
    </message>
    <message>
        <source>Listening (%1)</source>
        <translation>Listening (%1)</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>Audience</source>
        <translation>Audience</translation>
    </message>
    <message>
        <source>Un&amp;mute</source>
        <translation>Un&amp;mute</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>&amp;Mute</translation>
    </message>
    <message>
        <source>Lower &amp;hand</source>
        <translation>Lower &amp;hand</translation>
    </message>
    <message>
        <source>Raise &amp;hand</source>
        <translation>Raise &amp;hand</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>&amp;Invite</translation>
    </message>
    <message>
        <source>&amp;Leave quietly</source>
        <translation>&amp;Leave quietly</translation>
    </message>
    <message>
        <source>&amp;End room</source>
        <translation>&amp;End room</translation>
    </message>
    <message>
        <source>Move to the next rela&amp;y</source>
        <translation>Move to the next rela&amp;y</translation>
    </message>
    <message>
        <source>For when this relay is slow, watched or about to close: the room moves to the next relay of its invite, and everyone follows.</source>
        <translation>For when this relay is slow, watched or about to close: the room moves to the next relay of its invite, and everyone follows.</translation>
    </message>
    <message>
        <source>Hold %1 to talk</source>
        <translation>Hold %1 to talk</translation>
    </message>
</context>
<context>
    <name>RosterModel</name>
    <message>
        <source>host</source>
        <translation>host</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>co-host</translation>
    </message>
    <message>
        <source>speaker</source>
        <translation>speaker</translation>
    </message>
    <message>
        <source>listener</source>
        <translation>listener</translation>
    </message>
    <message>
        <source>you</source>
        <translation>you</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>muted</translation>
    </message>
    <message>
        <source>speaking</source>
        <translation>speaking</translation>
    </message>
    <message>
        <source>microphone on</source>
        <translation>microphone on</translation>
    </message>
    <message>
        <source>hand raised</source>
        <translation>hand raised</translation>
    </message>
    <message>
        <source>invited to the stage, waiting for an answer</source>
        <translation>invited to the stage, waiting for an answer</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>reconnecting</translation>
    </message>
    <message>
        <source>safety number verified</source>
        <translation>safety number verified</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Stop the test</source>
        <translation>Stop the test</translation>
    </message>
    <message>
        <source>&amp;Test the microphone</source>
        <translation>&amp;Test the microphone</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Sound</source>
        <translation>Sound</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Network</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Appearance</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>Privacy</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>Settings sections</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Microphone:</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Microphone</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Speaker</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>System default</translation>
    </message>
    <message>
        <source>No audio devices were found. You can still join rooms, but you will neither hear nor be heard.</source>
        <translation>No audio devices were found. You can still join rooms, but you will neither hear nor be heard.</translation>
    </message>
    <message>
        <source>Microphone level</source>
        <translation>Microphone level</translation>
    </message>
    <message>
        <source>Audio &amp;quality:</source>
        <translation>Audio &amp;quality:</translation>
    </message>
    <message>
        <source>Audio quality</source>
        <translation>Audio quality</translation>
    </message>
    <message>
        <source>Low data (16 kbit/s)</source>
        <translation>Low data (16 kbit/s)</translation>
    </message>
    <message>
        <source>Standard (24 kbit/s)</source>
        <translation>Standard (24 kbit/s)</translation>
    </message>
    <message>
        <source>High (32 kbit/s)</source>
        <translation>High (32 kbit/s)</translation>
    </message>
    <message>
        <source>&amp;Push to talk: hold a key to speak</source>
        <translation>&amp;Push to talk: hold a key to speak</translation>
    </message>
    <message>
        <source>Spea&amp;ker:</source>
        <translation>Spea&amp;ker:</translation>
    </message>
    <message>
        <source>Write the proxy as socks5://host:port (Tor: socks5://127.0.0.1:9050, or just tor), http://host:port, or system.</source>
        <translation>Write the proxy as socks5://host:port (Tor: socks5://127.0.0.1:9050, or just tor), http://host:port, or system.</translation>
    </message>
    <message>
        <source>Forget everything?</source>
        <translation>Forget everything?</translation>
    </message>
    <message>
        <source>Your saved name, settings and identity key are deleted from this computer. People who verified your key will see a new one next time.</source>
        <translation>Your saved name, settings and identity key are deleted from this computer. People who verified your key will see a new one next time.</translation>
    </message>
    <message>
        <source>&amp;Forget everything</source>
        <translation>&amp;Forget everything</translation>
    </message>
    <message>
        <source>Push-to-talk ke&amp;y:</source>
        <translation>Push-to-talk ke&amp;y:</translation>
    </message>
    <message>
        <source>Push-to-talk key</source>
        <translation>Push-to-talk key</translation>
    </message>
    <message>
        <source>Reduce background &amp;noise</source>
        <translation>Reduce background &amp;noise</translation>
    </message>
    <message>
        <source>Takes out steady noise (fans, traffic) before your voice is sent.</source>
        <translation>Takes out steady noise (fans, traffic) before your voice is sent.</translation>
    </message>
    <message>
        <source>Cancel &amp;echo</source>
        <translation>Cancel &amp;echo</translation>
    </message>
    <message>
        <source>Stops others hearing themselves through your speakers. With headphones you can turn it off.</source>
        <translation>Stops others hearing themselves through your speakers. With headphones you can turn it off.</translation>
    </message>
    <message>
        <source>&amp;Proxy:</source>
        <translation>&amp;Proxy:</translation>
    </message>
    <message>
        <source>Proxy address</source>
        <translation>Proxy address</translation>
    </message>
    <message>
        <source>To hide your address from the relay, connect through Tor: run Tor Browser or the Tor service and enter socks5://127.0.0.1:9050 (Tor Browser: port 9150). Leave empty to connect directly. With a proxy set, Majlis never connects without it.</source>
        <translation>To hide your address from the relay, connect through Tor: run Tor Browser or the Tor service and enter socks5://127.0.0.1:9050 (Tor Browser: port 9150). Leave empty to connect directly. With a proxy set, Majlis never connects without it.</translation>
    </message>
    <message>
        <source>&amp;Look for rooms on this network</source>
        <translation>&amp;Look for rooms on this network</translation>
    </message>
    <message>
        <source>Other devices on this network can see that this computer is looking for Majlis rooms.</source>
        <translation>Other devices on this network can see that this computer is looking for Majlis rooms.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Language:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>System language</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>&amp;Theme:</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Theme</translation>
    </message>
    <message>
        <source>Like the system</source>
        <translation>Like the system</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Light</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dark</translation>
    </message>
    <message>
        <source>Your &amp;name in rooms:</source>
        <translation>Your &amp;name in rooms:</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Your name</translation>
    </message>
    <message>
        <source>Only people in the same room see it. A room you are in keeps the name you joined with.</source>
        <translation>Only people in the same room see it. A room you are in keeps the name you joined with.</translation>
    </message>
    <message>
        <source>&amp;Remember my name and settings on this computer</source>
        <translation>&amp;Remember my name and settings on this computer</translation>
    </message>
    <message>
        <source>&amp;Keep my identity on this computer</source>
        <translation>&amp;Keep my identity on this computer</translation>
    </message>
    <message>
        <source>Majlis never saves rooms, invite links, who was there or anything that was said. With both boxes off it saves nothing at all: someone who searches this computer finds no Majlis settings.</source>
        <translation>Majlis never saves rooms, invite links, who was there or anything that was said. With both boxes off it saves nothing at all: someone who searches this computer finds no Majlis settings.</translation>
    </message>
    <message>
        <source>&amp;Forget everything on this computer</source>
        <translation>&amp;Forget everything on this computer</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Save</translation>
    </message>
</context>
<context>
    <name>StartRoomDialog</name>
    <message>
        <source>A relay address starts with wss:// (or ws://) and names a server.</source>
        <translation>A relay address starts with wss:// (or ws://) and names a server.</translation>
    </message>
    <message>
        <source>An invite can list at most %1 relays.</source>
        <translation>An invite can list at most %1 relays.</translation>
    </message>
    <message>
        <source>Start a room</source>
        <translation>Start a room</translation>
    </message>
    <message>
        <source>Room &amp;name:</source>
        <translation>Room &amp;name:</translation>
    </message>
    <message>
        <source>Room name</source>
        <translation>Room name</translation>
    </message>
    <message>
        <source>Only people in the room see it.</source>
        <translation>Only people in the room see it.</translation>
    </message>
    <message>
        <source>&amp;Topic:</source>
        <translation>&amp;Topic:</translation>
    </message>
    <message>
        <source>Topic (optional)</source>
        <translation>Topic (optional)</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Where</translation>
    </message>
    <message>
        <source>This network: no &amp;internet needed</source>
        <translation>This network: no &amp;internet needed</translation>
    </message>
    <message>
        <source>Show the room&apos;s name to &amp;others on this network</source>
        <translation>Show the room&apos;s name to &amp;others on this network</translation>
    </message>
    <message>
        <source>I approve each person in a &amp;waiting room</source>
        <translation>I approve each person in a &amp;waiting room</translation>
    </message>
    <message>
        <source>The room runs on this computer and people on the same Wi-Fi or cable network join it directly.</source>
        <translation>The room runs on this computer and people on the same Wi-Fi or cable network join it directly.</translation>
    </message>
    <message>
        <source>Off: others on the network see only that a room exists. Either way, nobody gets in without the invite link.</source>
        <translation>Off: others on the network see only that a room exists. Either way, nobody gets in without the invite link.</translation>
    </message>
    <message>
        <source>A &amp;relay on the internet</source>
        <translation>A &amp;relay on the internet</translation>
    </message>
    <message>
        <source>For people in different places. The relay passes on encrypted audio it cannot read.</source>
        <translation>For people in different places. The relay passes on encrypted audio it cannot read.</translation>
    </message>
    <message>
        <source>Relay address (wss://…)</source>
        <translation>Relay address (wss://…)</translation>
    </message>
    <message>
        <source>Several addresses, separated by spaces, go into the invite in order: when one is blocked or down, everyone moves on to the next.</source>
        <translation>Several addresses, separated by spaces, go into the invite in order: when one is blocked or down, everyone moves on to the next.</translation>
    </message>
    <message>
        <source>Only this &amp;computer (to try Majlis out)</source>
        <translation>Only this &amp;computer (to try Majlis out)</translation>
    </message>
    <message>
        <source>Who gets in</source>
        <translation>Who gets in</translation>
    </message>
    <message>
        <source>&amp;Anyone with the invite link</source>
        <translation>&amp;Anyone with the invite link</translation>
    </message>
    <message>
        <source>You see each person&apos;s name and key fingerprint before they come in.</source>
        <translation>You see each person&apos;s name and key fingerprint before they come in.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Start</translation>
    </message>
</context>
<context>
    <name>WaitingPanel</name>
    <message numerus="yes">
        <source>%n waiting to come in</source>
        <translation>
            <numerusform>%n person is waiting to come in</numerusform>
            <numerusform>%n people are waiting to come in</numerusform>
        </translation>
    </message>
    <message>
        <source>People waiting to come in</source>
        <translation>People waiting to come in</translation>
    </message>
    <message>
        <source>&amp;Let in</source>
        <translation>&amp;Let in</translation>
    </message>
    <message>
        <source>&amp;Turn away</source>
        <translation>&amp;Turn away</translation>
    </message>
</context>
</TS>
