<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Codes</name>
    <message>
        <source>This is not a Majlis code. A code looks like %1: a short number, then six digits.</source>
        <translation>这不是 Majlis 代码。代码的样子是 %1：一个短数字，然后是六位数字。</translation>
    </message>
    <message>
        <source>The code starts with a short number and a dash, like the 7 in %1; type it with that first number.</source>
        <translation>代码以一个短数字和一个短横线开头，比如 %1 中的 7；请连同第一个数字一起输入。</translation>
    </message>
    <message>
        <source>After its first number a code has exactly six digits, like %1. Check it with the person who gave it.</source>
        <translation>代码在第一个数字之后正好有六位数字，比如 %1。请与给你代码的人核对。</translation>
    </message>
    <message>
        <source>Nobody is offering this code here. It may have expired or been used, or its first number may be wrong. Check it, or ask for a new code.</source>
        <translation>这里没有人提供这个代码。它可能已过期或已被使用，或者第一个数字有误。请核对，或索取新代码。</translation>
    </message>
    <message>
        <source>The code does not match. Check the digits with the person who gave it to you; after %2 wrong tries a code stops working.</source>
        <translation>代码不匹配。请与给你代码的人核对数字；错误尝试 %2 次后代码将失效。</translation>
    </message>
    <message>
        <source>This code has expired. Ask for a new one: a code works for %3 minutes.</source>
        <translation>此代码已过期。请索取新代码：代码有效期为 %3 分钟。</translation>
    </message>
    <message>
        <source>This code no longer works: it was used, or tried wrongly too many times. Ask for a new one.</source>
        <translation>此代码已失效：它已被使用，或错误尝试次数过多。请索取新代码。</translation>
    </message>
    <message>
        <source>The person who offered this code closed it before the exchange finished.</source>
        <translation>提供此代码的人在交换完成前关闭了它。</translation>
    </message>
    <message>
        <source>The other side did not answer in time. Try again, or ask for a new code.</source>
        <translation>对方没有及时回应。请重试，或索取新代码。</translation>
    </message>
    <message>
        <source>Something on the way changed the exchange, so nothing was accepted. Try again, or ask for a new code.</source>
        <translation>途中有东西篡改了交换，因此没有接受任何内容。请重试，或索取新代码。</translation>
    </message>
    <message>
        <source>Could not reach the relay, or it refused the connection.</source>
        <translation>无法连接到中继，或中继拒绝了连接。</translation>
    </message>
    <message>
        <source>Say which relay the code is on: type the relay&apos;s address (the host&apos;s app shows it with the code), or choose the room in the list of rooms on this network.</source>
        <translation>请说明代码在哪个中继上：输入中继地址（主持人的应用会和代码一起显示），或在此网络的房间列表中选择房间。</translation>
    </message>
    <message>
        <source>Could not connect through the proxy set in Settings. Majlis does not connect without it.</source>
        <translation>无法通过设置中的代理连接。没有它，Majlis 不会连接。</translation>
    </message>
    <message>
        <source>%4 codes are open already; wait until one is used or expires, or withdraw one.</source>
        <translation>已有 %4 个代码处于开放状态；请等其中一个被使用或过期，或撤回一个。</translation>
    </message>
    <message>
        <source>A relay&apos;s address starts with wss:// (or ws:// on this network), like the one the host&apos;s app shows with the code.</source>
        <translation>中继地址以 wss:// 开头（在此网络中也可以是 ws://），就像主持人的应用和代码一起显示的那样。</translation>
    </message>
    <message>
        <source>The room is not open, so no code can be made for it.</source>
        <translation>房间未开启，因此无法为它生成代码。</translation>
    </message>
    <message>
        <source>Every short code on this relay seems taken right now; try again in a minute.</source>
        <translation>此中继上的短代码目前似乎都被占用了；请一分钟后再试。</translation>
    </message>
    <message>
        <source>Joining with this code did not work.</source>
        <translation>用此代码加入没有成功。</translation>
    </message>
    <message>
        <source>Looking for the code on the relay…</source>
        <translation>正在中继上查找代码…</translation>
    </message>
    <message>
        <source>Checking the code with the host&apos;s app…</source>
        <translation>正在与主持人的应用核对代码…</translation>
    </message>
    <message>
        <source>The code matches; receiving the invite…</source>
        <translation>代码匹配；正在接收邀请…</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>used by %1</source>
        <translation>已被 %1 使用</translation>
    </message>
    <message>
        <source>stopped after %1 wrong tries</source>
        <translation>错误尝试 %1 次后已失效</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>withdrawn</source>
        <translation>已撤回</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Someone tried code %1 and it did not match (%2 of %3 tries left).</source>
        <translation>有人尝试了代码 %1，但不匹配（还剩 %2 次，共 %3 次）。</translation>
    </message>
    <message>
        <source>Code %1 was used by %2 (%3); their knock will say it came through this code.</source>
        <translation>代码 %1 已被 %2（%3）使用；他的敲门请求会注明来自此代码。</translation>
    </message>
    <message>
        <source>Code %1 stopped working after %2 tries that did not match. Make a new one if someone still needs to join.</source>
        <translation>代码 %1 在 %2 次不匹配的尝试后已失效。如果还有人需要加入，请生成新代码。</translation>
    </message>
    <message>
        <source>Code %1 expired unused.</source>
        <translation>代码 %1 未被使用就过期了。</translation>
    </message>
    <message>
        <source>Code %1 was withdrawn.</source>
        <translation>代码 %1 已撤回。</translation>
    </message>
    <message>
        <source>Say code %1 to the person who should join. It works once, for %2 minutes.</source>
        <translation>把代码 %1 告诉要加入的人。它只能用一次，有效期 %2 分钟。</translation>
    </message>
    <message>
        <source>Code %1 closed: the connection to the relay was lost.</source>
        <translation>代码 %1 已关闭：与中继的连接中断了。</translation>
    </message>
    <message>
        <source>Join %1?</source>
        <translation>加入 %1？</translation>
    </message>
    <message>
        <source>The code worked. It is for the room “%1”, hosted by the key with fingerprint:

%2

If you can, compare this fingerprint with the host&apos;s before you knock.</source>
        <translation>代码有效。它属于房间“%1”，主持人的密钥指纹为：

%2

如果可以，请在敲门前与主持人核对此指纹。</translation>
    </message>
    <message>
        <source>&amp;Knock</source>
        <translation>敲门(&amp;K)</translation>
    </message>
    <message>
        <source>Ca&amp;ncel</source>
        <translation>取消(&amp;N)</translation>
    </message>
    <message>
        <source>Opening a code on the relay…</source>
        <translation>正在中继上开启代码…</translation>
    </message>
    <message>
        <source>Or say a code</source>
        <translation>或者说出一个代码</translation>
    </message>
    <message>
        <source>A spoken code lets one person in without sending the link: they type it on their home page. Each code works once, for a few minutes, and stops after %1 wrong tries.</source>
        <translation>口头代码可以让一个人无需链接即可进入：对方在首页输入它。每个代码只能用一次，有效几分钟，错误尝试 %1 次后失效。</translation>
    </message>
    <message>
        <source>Tell them the relay&apos;s address too.</source>
        <translation>也请把中继地址告诉对方。</translation>
    </message>
    <message>
        <source>&amp;Make a spoken code</source>
        <translation>生成口头代码(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Withdraw code</source>
        <translation>撤回代码(&amp;W)</translation>
    </message>
    <message>
        <source>Spoken codes</source>
        <translation>口头代码</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Welcome to Majlis</source>
        <translation>欢迎使用 Majlis</translation>
    </message>
    <message>
        <source>Voice rooms that only the people inside can hear. Everything is encrypted on your computer before it leaves, and nothing is recorded.</source>
        <translation>只有房间里的人才能听到的语音房间。所有内容在离开你的电脑之前就已加密，而且不会留下任何录音。</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Your &amp;name in rooms:</source>
        <translation>你在房间里的名字(&amp;N)：</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>你的名字</translation>
    </message>
    <message>
        <source>Only people in the same room see it. It does not have to be your real name.</source>
        <translation>只有同一房间里的人能看到，不必使用真名。</translation>
    </message>
    <message>
        <source>Your key fingerprint:</source>
        <translation>你的密钥指纹：</translation>
    </message>
    <message>
        <source>Your key fingerprint: %1</source>
        <translation>你的密钥指纹：%1</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>生成新密钥</translation>
    </message>
    <message>
        <source>Throw this key away and make another one.</source>
        <translation>丢弃这个密钥，重新生成一个。</translation>
    </message>
    <message>
        <source>Others in a room can compare this fingerprint, or your safety number, to be sure they are talking to you.</source>
        <translation>房间里的其他人可以核对这个指纹或你们之间的安全码，确认正在和他们说话的确实是你。</translation>
    </message>
    <message>
        <source>&amp;Keep my identity on this computer</source>
        <translation>在这台电脑上保留我的身份(&amp;K)</translation>
    </message>
    <message>
        <source>Off (recommended): a new key every time you open Majlis, and nothing is saved. On: people who verified you can recognise you next time, but a file on this computer shows that Majlis was used here.</source>
        <translation>关闭（推荐）：每次打开 Majlis 都使用新密钥，不保存任何内容。开启：验证过你的人下次还能认出你，但这台电脑上会留下一个文件，表明这里用过 Majlis。</translation>
    </message>
    <message>
        <source>&amp;Remember my name and settings on this computer</source>
        <translation>在这台电脑上记住我的名字和设置(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Continue</source>
        <translation>继续(&amp;C)</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <source>This is not a Majlis invite link, or part of it is missing. Links look like majlis://join#… ; copy the whole link again.</source>
        <translation>这不是 Majlis 邀请链接，或者链接不完整。链接的格式是 majlis://join#…，请重新复制完整的链接。</translation>
    </message>
    <message>
        <source>To join this room, type the code its host says (like %1) in the field above, or paste the invite link the host shared. Being on the same network is not enough: the code or the link holds the room&apos;s key.</source>
        <translation>要加入此房间，请在上方输入主持人说出的代码（比如 %1），或粘贴主持人分享的邀请链接。仅在同一网络中是不够的：代码或链接才带有房间的密钥。</translation>
    </message>
    <message>
        <source>No rooms found on this network yet.</source>
        <translation>暂未在此网络中发现房间。</translation>
    </message>
    <message>
        <source>Not looking. Turn this on to see rooms hosted on this network.</source>
        <translation>未在搜索。开启后可以看到此网络中的房间。</translation>
    </message>
    <message>
        <source>Not looking while a proxy is set in Settings: looking would tell this network that Majlis runs here.</source>
        <translation>设置中启用了代理，因此不搜索：搜索会让这个网络知道这里在运行 Majlis。</translation>
    </message>
    <message>
        <source>Looking for rooms on this network…</source>
        <translation>正在搜索此网络中的房间…</translation>
    </message>
    <message>
        <source>Hello, %1</source>
        <translation>%1，你好</translation>
    </message>
    <message>
        <source>Majlis</source>
        <translation>Majlis</translation>
    </message>
    <message>
        <source>Your key fingerprint: %1</source>
        <translation>你的密钥指纹：%1</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;tart a room</source>
        <translation>开一个房间(&amp;T)</translation>
    </message>
    <message>
        <source>Join with a link</source>
        <translation>通过链接加入</translation>
    </message>
    <message>
        <source>Paste an invite link (majlis://join#…)</source>
        <translation>粘贴邀请链接（majlis://join#…）</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>加入(&amp;J)</translation>
    </message>
    <message>
        <source>Join with a spoken code</source>
        <translation>用口头代码加入</translation>
    </message>
    <message>
        <source>Code the host said (like %1)</source>
        <translation>主持人说出的代码（比如 %1）</translation>
    </message>
    <message>
        <source>Relay (wss://…), for a room on the internet</source>
        <translation>中继（wss://…），用于互联网上的房间</translation>
    </message>
    <message>
        <source>Join with c&amp;ode</source>
        <translation>用代码加入(&amp;O)</translation>
    </message>
    <message>
        <source>The link is the key to the room: anyone who has it can ask to come in. Share it only with people you trust, in a private message.</source>
        <translation>链接就是房间的钥匙：拿到它的任何人都可以申请进入。请只通过私信分享给你信任的人。</translation>
    </message>
    <message>
        <source>Rooms on this network</source>
        <translation>此网络中的房间</translation>
    </message>
    <message>
        <source>&amp;Look for rooms on this network</source>
        <translation>在此网络中搜索房间(&amp;L)</translation>
    </message>
    <message>
        <source>Other devices on this network can see that this computer is looking for Majlis rooms.</source>
        <translation>此网络中的其他设备可以看到这台电脑正在搜索 Majlis 房间。</translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Copied. Paste it into a private message.</source>
        <translation>已复制。请粘贴到私信中。</translation>
    </message>
    <message>
        <source>Invite people to %1</source>
        <translation>邀请他人加入 %1</translation>
    </message>
    <message>
        <source>Send this link to the people you want in the room.</source>
        <translation>把这个链接发给你想邀请进房间的人。</translation>
    </message>
    <message>
        <source>Invite link</source>
        <translation>邀请链接</translation>
    </message>
    <message>
        <source>&amp;Copy link</source>
        <translation>复制链接(&amp;C)</translation>
    </message>
    <message>
        <source>Show &amp;QR code</source>
        <translation>显示二维码(&amp;Q)</translation>
    </message>
    <message>
        <source>QR code of the invite link</source>
        <translation>邀请链接的二维码</translation>
    </message>
    <message>
        <source>Anyone who has this link can ask to come in and, unless you approve each person, listen. Do not post it in public places.</source>
        <translation>拿到这个链接的任何人都可以申请进入；除非你逐一审核，否则他们就能收听。请不要在公开场合发布。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>KnockModel</name>
    <message>
        <source>came through code %1</source>
        <translation>通过代码 %1 而来</translation>
    </message>
    <message>
        <source>%1 asks to join; key fingerprint %2</source>
        <translation>%1 申请加入；密钥指纹 %2</translation>
    </message>
</context>
<context>
    <name>LanRoomsModel</name>
    <message>
        <source>Private room (needs its invite)</source>
        <translation>私密房间（需要邀请链接）</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Host</source>
        <translation>主持人</translation>
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
        <translation>已清除</translation>
    </message>
    <message>
        <source>Majlis deleted everything it kept on this computer. Nothing is saved until you tick a box in Settings again.</source>
        <translation>Majlis 已删除它在这台电脑上保存的一切。在你再次勾选设置中的选项之前，不会保存任何内容。</translation>
    </message>
    <message>
        <source>Close Majlis?</source>
        <translation>关闭 Majlis？</translation>
    </message>
    <message>
        <source>You are hosting this room. Closing Majlis ends the room for everyone and throws its keys away.</source>
        <translation>你是这个房间的主持人。关闭 Majlis 会为所有人结束房间，并丢弃它的密钥。</translation>
    </message>
    <message>
        <source>To keep the room going, minimise the window instead.</source>
        <translation>若要让房间继续，请改为最小化窗口。</translation>
    </message>
    <message>
        <source>&amp;End the room and quit</source>
        <translation>结束房间并退出(&amp;E)</translation>
    </message>
    <message>
        <source>Mi&amp;nimise</source>
        <translation>最小化(&amp;N)</translation>
    </message>
</context>
<context>
    <name>MemberDelegate</name>
    <message>
        <source>%1 (you)</source>
        <translation>%1（你）</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <source>%1 percent</source>
        <translation>百分之 %1</translation>
    </message>
    <message>
        <source>Choose someone on the stage or in the audience to see their safety number and what you can do.</source>
        <translation>在台上或听众中选择一个人，即可查看你们之间的安全码以及你可以执行的操作。</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>主持人</translation>
    </message>
    <message>
        <source>Co-host</source>
        <translation>联合主持人</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>发言人</translation>
    </message>
    <message>
        <source>Listener</source>
        <translation>听众</translation>
    </message>
    <message>
        <source>Key fingerprint: %1</source>
        <translation>密钥指纹：%1</translation>
    </message>
    <message>
        <source>Safety number:</source>
        <translation>安全码：</translation>
    </message>
    <message>
        <source>This is you.</source>
        <translation>这是你自己。</translation>
    </message>
    <message>
        <source>%1 sees the same number on their screen. Compare it by voice or in person; if it matches, nobody is in between.</source>
        <translation>%1 的屏幕上显示的是同一个号码。请通过语音或当面核对；如果一致，说明你们之间没有中间人。</translation>
    </message>
    <message>
        <source>Safety number: %1</source>
        <translation>安全码：%1</translation>
    </message>
    <message>
        <source>I compared it: veri&amp;fied</source>
        <translation>我已核对：已验证(&amp;F)</translation>
    </message>
    <message>
        <source>Invite to the &amp;stage</source>
        <translation>邀请上台(&amp;S)</translation>
    </message>
    <message>
        <source>Move to the &amp;audience</source>
        <translation>移到听众席(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Volume:</source>
        <translation>音量(&amp;V)：</translation>
    </message>
    <message>
        <source>Volume for %1</source>
        <translation>%1 的音量</translation>
    </message>
    <message>
        <source>Leave the stage</source>
        <translation>下台</translation>
    </message>
    <message>
        <source>Remove &amp;co-host</source>
        <translation>取消联合主持人(&amp;C)</translation>
    </message>
    <message>
        <source>Make &amp;co-host</source>
        <translation>设为联合主持人(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Remove from the room</source>
        <translation>移出房间(&amp;R)</translation>
    </message>
    <message>
        <source>They are told, and the room moves to a new key they never get.</source>
        <translation>对方会收到通知，房间随即换用一把对方永远拿不到的新密钥。</translation>
    </message>
    <message>
        <source>Listener, invited to the stage</source>
        <translation>听众，已被邀请上台</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>You are in the waiting room. The host will let you in soon.</source>
        <translation>你在等候室中，主持人很快会让你进入。</translation>
    </message>
    <message>
        <source>%1 invites you to speak on the stage. You start muted: nobody hears you until you unmute.</source>
        <translation>%1 邀请你上台发言。上台时你处于静音状态：在你取消静音之前，没有人能听到你。</translation>
    </message>
    <message>
        <source>You are invited to speak on the stage. You start muted: nobody hears you until you unmute.</source>
        <translation>你被邀请上台发言。上台时你处于静音状态：在你取消静音之前，没有人能听到你。</translation>
    </message>
    <message>
        <source>Connection lost. Reconnecting…</source>
        <translation>连接已断开，正在重新连接…</translation>
    </message>
    <message>
        <source>A message that failed its security check was thrown away. Nothing you hear was affected.</source>
        <translation>一条未通过安全校验的消息已被丢弃。你听到的内容不受影响。</translation>
    </message>
    <message>
        <source>No microphone or speaker could be opened. You can stay in the room; check Settings.</source>
        <translation>无法打开麦克风或扬声器。你可以留在房间里；请检查设置。</translation>
    </message>
    <message>
        <source>The room could not be announced on this network. People can still join with the invite link.</source>
        <translation>无法在此网络中公布这个房间。大家仍然可以通过邀请链接加入。</translation>
    </message>
    <message>
        <source>%1 came in through code %2.</source>
        <translation>%1 通过代码 %2 进入了房间。</translation>
    </message>
    <message>
        <source>Someone was removed, so people with the link no longer come in by themselves: they could come back under a new name. Let each person in from the waiting room, or start a new room with a new link.</source>
        <translation>有人被移出，因此持有链接的人不再自动进入：被移出的人可能换个名字回来。请从等候室逐一让人进入，或用新链接开一个新房间。</translation>
    </message>
    <message>
        <source>Everyone who knocks now waits until you let them in.</source>
        <translation>现在每个敲门的人都要等你让他进入。</translation>
    </message>
    <message>
        <source>You were removed from the room by a host. You can no longer hear it.</source>
        <translation>你已被主持人移出房间，再也听不到房间里的内容。</translation>
    </message>
    <message>
        <source>The host did not let you in.</source>
        <translation>主持人没有让你进入。</translation>
    </message>
    <message>
        <source>Nobody is in this room: it has ended, or the host has not opened it yet.</source>
        <translation>这个房间里没有人：房间已经结束，或者主持人还没有开启。</translation>
    </message>
    <message>
        <source>The host did not answer. The room may have ended, or the host is away.</source>
        <translation>主持人没有回应。房间可能已经结束，或者主持人不在。</translation>
    </message>
    <message>
        <source>The host ended the room.</source>
        <translation>主持人已结束房间。</translation>
    </message>
    <message>
        <source>The host left, so the room has ended.</source>
        <translation>主持人已离开，房间随之结束。</translation>
    </message>
    <message>
        <source>The room&apos;s host is no longer on this network: the room has ended, or the host&apos;s computer left the network.</source>
        <translation>房间的主持人已不在这个网络中：房间已结束，或主持人的电脑离开了网络。</translation>
    </message>
    <message>
        <source>Could not connect through the proxy set in Settings. Majlis does not connect without it.</source>
        <translation>无法通过设置中的代理连接。没有代理，Majlis 不会连接。</translation>
    </message>
    <message>
        <source>Could not reach the relay, or the connection to it was lost.</source>
        <translation>无法连接到中继服务器，或者与它的连接已断开。</translation>
    </message>
    <message>
        <source>This room is not there any more.</source>
        <translation>这个房间已经不存在了。</translation>
    </message>
    <message>
        <source>Something went wrong and the room was closed.</source>
        <translation>出现错误，房间已关闭。</translation>
    </message>
    <message>
        <source>Voices and messages in this room are encrypted on each person&apos;s computer. The relay that passes them on cannot listen, and nothing is recorded.

Room code: %1

Everyone in this room sees the same code. Read it out loud: if someone sees a different code, they are not in the same room as you. To be sure of one person, compare your safety number with theirs.</source>
        <translation>这个房间里的语音和消息都在每个人自己的电脑上加密。负责转发的中继服务器无法收听，也不会留下任何录音。

房间代码：%1

房间里的每个人看到的都是同一个代码。请把它读出来：如果有人看到的代码不同，说明他和你不在同一个房间。要确认某一个人的身份，请核对你们之间的安全码。</translation>
    </message>
    <message>
        <source>via %1</source>
        <translation>经由 %1</translation>
    </message>
    <message>
        <source>Connection: measuring…</source>
        <translation>连接：正在测量…</translation>
    </message>
    <message>
        <source>good</source>
        <translation>良好</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>poor</source>
        <translation>较差</translation>
    </message>
    <message>
        <source>Connection: %1</source>
        <translation>连接：%1</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <source>%1% lost</source>
        <translation>丢失 %1%</translation>
    </message>
</context>
<context>
    <name>Plurals</name>
    <message numerus="yes">
        <source>Your connection is too slow for %n speakers: you will hear gaps.</source>
        <translation>
            <numerusform>你的网络太慢，承载不了 %n 位发言人：你会听到断续。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n tries left</source>
        <translation>
            <numerusform>还剩 %n 次尝试</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RoomPage</name>
    <message>
        <source>&amp;Join the stage</source>
        <translation>上台(&amp;J)</translation>
    </message>
    <message>
        <source>&amp;Not now</source>
        <translation>暂不(&amp;N)</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>好</translation>
    </message>
    <message>
        <source>The host moved the room to another relay. Following…</source>
        <translation>主持人把房间移到了另一个中继。正在跟随…</translation>
    </message>
    <message>
        <source>You were away too long to keep your place: you are joining again, as a listener.</source>
        <translation>你离开太久，位置没有保留：你正在以听众身份重新加入。</translation>
    </message>
    <message>
        <source>%1 stays in the audience for now.</source>
        <translation>%1 暂时留在听众席。</translation>
    </message>
    <message>
        <source>That is not possible right now.</source>
        <translation>现在无法进行这项操作。</translation>
    </message>
    <message>
        <source>Another invite link arrived. It is waiting on the home page: leave this room to join it.</source>
        <translation>收到了另一个邀请链接。它在主页上等你：离开这个房间后即可加入。</translation>
    </message>
    <message>
        <source>Start a new room?</source>
        <translation>开一个新房间？</translation>
    </message>
    <message>
        <source>This room ends for everyone in it, and a new room opens with a new link. Share the new link only with the people you want in.</source>
        <translation>此房间将为所有人结束，并用新链接开一个新房间。只把新链接分享给你希望进入的人。</translation>
    </message>
    <message>
        <source>&amp;Start a new room</source>
        <translation>开新房间(&amp;S)</translation>
    </message>
    <message>
        <source>Back to &amp;home</source>
        <translation>返回首页(&amp;H)</translation>
    </message>
    <message>
        <source>End the room?</source>
        <translation>要结束房间吗？</translation>
    </message>
    <message>
        <source>You are now a co-host: you can invite people to the stage, move them to the audience and remove them. Your microphone stays as it was.</source>
        <translation>你现在是联合主持人：你可以邀请别人上台、把他们移到听众席，或将他们移出房间。你的麦克风保持原样。</translation>
    </message>
    <message>
        <source>&amp;Keep the waiting room</source>
        <translation>保留等候室(&amp;K)</translation>
    </message>
    <message>
        <source>Start a new room with a ne&amp;w link</source>
        <translation>用新链接开新房间(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation>重试(&amp;R)</translation>
    </message>
    <message>
        <source>Everyone is disconnected and the room&apos;s keys are thrown away.</source>
        <translation>所有人都会断开连接，房间的密钥将被销毁。</translation>
    </message>
    <message>
        <source>&amp;End for everyone</source>
        <translation>为所有人结束(&amp;E)</translation>
    </message>
    <message>
        <source>Move the room to %1?</source>
        <translation>把房间移到 %1？</translation>
    </message>
    <message>
        <source>Everyone reconnects there by themselves: the room, its keys and everyone&apos;s role stay as they are.</source>
        <translation>所有人都会自动重新连接到那里：房间、密钥和每个人的角色都保持不变。</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>移动(&amp;M)</translation>
    </message>
    <message>
        <source>Remove %1?</source>
        <translation>要移出 %1 吗？</translation>
    </message>
    <message>
        <source>%1 is told they were removed and cannot hear the room any more.</source>
        <translation>%1 会收到已被移出的通知，之后再也听不到房间里的内容。</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>移出(&amp;R)</translation>
    </message>
    <message>
        <source>End-to-end encrypted</source>
        <translation>端到端加密</translation>
    </message>
    <message>
        <source>Settin&amp;gs</source>
        <translation>设置(&amp;G)</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Waiting to be let in…</source>
        <translation>等待获准进入…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>End-to-end encrypted · Room code %1</source>
        <translation>端到端加密 · 房间代码 %1</translation>
    </message>
    <message>
        <source>Everyone in the room sees the same code. Compare it to be sure you are all in the same room.</source>
        <translation>房间里的每个人看到的都是同一个代码。核对它，确认大家都在同一个房间里。</translation>
    </message>
    <message>
        <source>On stage (%1)</source>
        <translation>台上（%1）</translation>
    </message>
    <message>
        <source>Listening (%1)</source>
        <translation>收听中（%1）</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>台上</translation>
    </message>
    <message>
        <source>Audience</source>
        <translation>听众席</translation>
    </message>
    <message>
        <source>Un&amp;mute</source>
        <translation>取消静音(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>静音(&amp;M)</translation>
    </message>
    <message>
        <source>Lower &amp;hand</source>
        <translation>放下手(&amp;H)</translation>
    </message>
    <message>
        <source>Raise &amp;hand</source>
        <translation>举手(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>邀请(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Leave quietly</source>
        <translation>悄悄离开(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;End room</source>
        <translation>结束房间(&amp;E)</translation>
    </message>
    <message>
        <source>Move to the next rela&amp;y</source>
        <translation>移到下一个中继(&amp;Y)</translation>
    </message>
    <message>
        <source>For when this relay is slow, watched or about to close: the room moves to the next relay of its invite, and everyone follows.</source>
        <translation>当这个中继很慢、被监视或即将关闭时：房间会移到邀请中的下一个中继，所有人都会跟过去。</translation>
    </message>
    <message>
        <source>Hold %1 to talk</source>
        <translation>按住 %1 说话</translation>
    </message>
</context>
<context>
    <name>RosterModel</name>
    <message>
        <source>host</source>
        <translation>主持人</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>联合主持人</translation>
    </message>
    <message>
        <source>speaker</source>
        <translation>发言人</translation>
    </message>
    <message>
        <source>listener</source>
        <translation>听众</translation>
    </message>
    <message>
        <source>you</source>
        <translation>你</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>已静音</translation>
    </message>
    <message>
        <source>speaking</source>
        <translation>正在发言</translation>
    </message>
    <message>
        <source>microphone on</source>
        <translation>麦克风已打开</translation>
    </message>
    <message>
        <source>hand raised</source>
        <translation>已举手</translation>
    </message>
    <message>
        <source>invited to the stage, waiting for an answer</source>
        <translation>已被邀请上台，等待回应</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>正在重新连接</translation>
    </message>
    <message>
        <source>safety number verified</source>
        <translation>安全码已验证</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Stop the test</source>
        <translation>停止测试</translation>
    </message>
    <message>
        <source>&amp;Test the microphone</source>
        <translation>测试麦克风(&amp;T)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Sound</source>
        <translation>声音</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>隐私</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>设置分类</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>麦克风(&amp;M)：</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>麦克风</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>扬声器</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>No audio devices were found. You can still join rooms, but you will neither hear nor be heard.</source>
        <translation>未找到音频设备。你仍然可以加入房间，但既听不到别人，别人也听不到你。</translation>
    </message>
    <message>
        <source>Microphone level</source>
        <translation>麦克风音量</translation>
    </message>
    <message>
        <source>Audio &amp;quality:</source>
        <translation>音质(&amp;Q)：</translation>
    </message>
    <message>
        <source>Audio quality</source>
        <translation>音质</translation>
    </message>
    <message>
        <source>Low data (16 kbit/s)</source>
        <translation>省流量（16 kbit/s）</translation>
    </message>
    <message>
        <source>Standard (24 kbit/s)</source>
        <translation>标准（24 kbit/s）</translation>
    </message>
    <message>
        <source>High (32 kbit/s)</source>
        <translation>高（32 kbit/s）</translation>
    </message>
    <message>
        <source>&amp;Push to talk: hold a key to speak</source>
        <translation>按键说话：按住一个键才发言(&amp;P)</translation>
    </message>
    <message>
        <source>Spea&amp;ker:</source>
        <translation>扬声器(&amp;K)：</translation>
    </message>
    <message>
        <source>Write the proxy as socks5://host:port (Tor: socks5://127.0.0.1:9050, or just tor), http://host:port, or system.</source>
        <translation>代理的写法为 socks5://host:port（Tor：socks5://127.0.0.1:9050，或直接写 tor）、http://host:port，或 system。</translation>
    </message>
    <message>
        <source>Forget everything?</source>
        <translation>清除一切？</translation>
    </message>
    <message>
        <source>Your saved name, settings and identity key are deleted from this computer. People who verified your key will see a new one next time.</source>
        <translation>你保存的名字、设置和身份密钥将从这台电脑上删除。验证过你密钥的人下次会看到一个新的密钥。</translation>
    </message>
    <message>
        <source>&amp;Forget everything</source>
        <translation>清除一切(&amp;F)</translation>
    </message>
    <message>
        <source>Push-to-talk ke&amp;y:</source>
        <translation>按键说话的按键(&amp;Y)：</translation>
    </message>
    <message>
        <source>Push-to-talk key</source>
        <translation>按键说话的按键</translation>
    </message>
    <message>
        <source>Reduce background &amp;noise</source>
        <translation>降低背景噪音(&amp;N)</translation>
    </message>
    <message>
        <source>Takes out steady noise (fans, traffic) before your voice is sent.</source>
        <translation>在发送你的声音之前去除持续的噪音（风扇、车流）。</translation>
    </message>
    <message>
        <source>Cancel &amp;echo</source>
        <translation>消除回声(&amp;E)</translation>
    </message>
    <message>
        <source>Stops others hearing themselves through your speakers. With headphones you can turn it off.</source>
        <translation>避免其他人从你的扬声器里听到自己的声音。使用耳机时可以关闭。</translation>
    </message>
    <message>
        <source>&amp;Proxy:</source>
        <translation>代理(&amp;P)：</translation>
    </message>
    <message>
        <source>Proxy address</source>
        <translation>代理地址</translation>
    </message>
    <message>
        <source>To hide your address from the relay, connect through Tor: run Tor Browser or the Tor service and enter socks5://127.0.0.1:9050 (Tor Browser: port 9150). Leave empty to connect directly. With a proxy set, Majlis never connects without it.</source>
        <translation>如果不想让中继服务器看到你的地址，请通过 Tor 连接：运行 Tor 浏览器或 Tor 服务，然后填写 socks5://127.0.0.1:9050（Tor 浏览器使用端口 9150）。留空则直接连接。设置代理后，Majlis 绝不会绕过代理连接。</translation>
    </message>
    <message>
        <source>&amp;Look for rooms on this network</source>
        <translation>在此网络中搜索房间(&amp;L)</translation>
    </message>
    <message>
        <source>Other devices on this network can see that this computer is looking for Majlis rooms.</source>
        <translation>此网络中的其他设备可以看到这台电脑正在搜索 Majlis 房间。</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>系统语言</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>主题(&amp;T)：</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Like the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Your &amp;name in rooms:</source>
        <translation>你在房间里的名字(&amp;N)：</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>你的名字</translation>
    </message>
    <message>
        <source>Only people in the same room see it. A room you are in keeps the name you joined with.</source>
        <translation>只有同一房间里的人能看到它。你已在的房间会保留你加入时的名字。</translation>
    </message>
    <message>
        <source>&amp;Remember my name and settings on this computer</source>
        <translation>在这台电脑上记住我的名字和设置(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Keep my identity on this computer</source>
        <translation>在这台电脑上保留我的身份(&amp;K)</translation>
    </message>
    <message>
        <source>Majlis never saves rooms, invite links, who was there or anything that was said. With both boxes off it saves nothing at all: someone who searches this computer finds no Majlis settings.</source>
        <translation>Majlis 从不保存房间、邀请链接、参与者或任何谈话内容。两个选项都关闭时，它什么都不保存：即使有人搜查这台电脑，也找不到任何 Majlis 设置。</translation>
    </message>
    <message>
        <source>&amp;Forget everything on this computer</source>
        <translation>清除这台电脑上的所有内容(&amp;F)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
</context>
<context>
    <name>StartRoomDialog</name>
    <message>
        <source>A relay address starts with wss:// (or ws://) and names a server.</source>
        <translation>中继服务器地址以 wss://（或 ws://）开头，后面是服务器名称。</translation>
    </message>
    <message>
        <source>An invite can list at most %1 relays.</source>
        <translation>一个邀请最多可以列出 %1 个中继。</translation>
    </message>
    <message>
        <source>Start a room</source>
        <translation>开一个房间</translation>
    </message>
    <message>
        <source>Room &amp;name:</source>
        <translation>房间名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Room name</source>
        <translation>房间名称</translation>
    </message>
    <message>
        <source>Only people in the room see it.</source>
        <translation>只有房间里的人能看到。</translation>
    </message>
    <message>
        <source>&amp;Topic:</source>
        <translation>话题(&amp;T)：</translation>
    </message>
    <message>
        <source>Topic (optional)</source>
        <translation>话题（可选）</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>在哪里</translation>
    </message>
    <message>
        <source>This network: no &amp;internet needed</source>
        <translation>此网络：无需互联网(&amp;I)</translation>
    </message>
    <message>
        <source>Show the room&apos;s name to &amp;others on this network</source>
        <translation>向此网络中的其他人显示房间名称(&amp;O)</translation>
    </message>
    <message>
        <source>I approve each person in a &amp;waiting room</source>
        <translation>由我在等候室逐一审核(&amp;W)</translation>
    </message>
    <message>
        <source>The room runs on this computer and people on the same Wi-Fi or cable network join it directly.</source>
        <translation>房间在这台电脑上运行，连接同一 Wi-Fi 或有线网络的人可以直接加入。</translation>
    </message>
    <message>
        <source>Off: others on the network see only that a room exists. Either way, nobody gets in without the invite link.</source>
        <translation>关闭时：网络中的其他人只能看到有一个房间存在。无论哪种情况，没有邀请链接都进不来。</translation>
    </message>
    <message>
        <source>A &amp;relay on the internet</source>
        <translation>互联网上的中继服务器(&amp;R)</translation>
    </message>
    <message>
        <source>For people in different places. The relay passes on encrypted audio it cannot read.</source>
        <translation>适合身处不同地方的人。中继服务器只转发它无法读取的加密音频。</translation>
    </message>
    <message>
        <source>Relay address (wss://…)</source>
        <translation>中继服务器地址（wss://…）</translation>
    </message>
    <message>
        <source>Several addresses, separated by spaces, go into the invite in order: when one is blocked or down, everyone moves on to the next.</source>
        <translation>多个地址用空格分隔，按顺序写入邀请：某个中继被封锁或停止时，所有人会转到下一个。</translation>
    </message>
    <message>
        <source>Only this &amp;computer (to try Majlis out)</source>
        <translation>仅限这台电脑（试用 Majlis）(&amp;C)</translation>
    </message>
    <message>
        <source>Who gets in</source>
        <translation>谁可以进入</translation>
    </message>
    <message>
        <source>&amp;Anyone with the invite link</source>
        <translation>任何持有邀请链接的人(&amp;A)</translation>
    </message>
    <message>
        <source>You see each person&apos;s name and key fingerprint before they come in.</source>
        <translation>每个人进入之前，你都能看到他的名字和密钥指纹。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>开始(&amp;S)</translation>
    </message>
</context>
<context>
    <name>WaitingPanel</name>
    <message numerus="yes">
        <source>%n waiting to come in</source>
        <translation>
            <numerusform>%n 人等待进入</numerusform>
        </translation>
    </message>
    <message>
        <source>People waiting to come in</source>
        <translation>等待进入的人</translation>
    </message>
    <message>
        <source>&amp;Let in</source>
        <translation>让他进入(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Turn away</source>
        <translation>拒绝(&amp;T)</translation>
    </message>
</context>
</TS>
