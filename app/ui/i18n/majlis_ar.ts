<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ar" sourcelanguage="en">
<context>
    <name>Codes</name>
    <message>
        <source>This is not a Majlis code. A code looks like %1: a short number, then six digits.</source>
        <translation>هذا ليس رمزًا من مجلس. يبدو الرمز هكذا %1: رقم قصير، ثم ستة أرقام.</translation>
    </message>
    <message>
        <source>The code starts with a short number and a dash, like the 7 in %1; type it with that first number.</source>
        <translation>يبدأ الرمز برقم قصير وشرطة، مثل 7 في %1؛ اكتبه مع ذلك الرقم الأول.</translation>
    </message>
    <message>
        <source>After its first number a code has exactly six digits, like %1. Check it with the person who gave it.</source>
        <translation>بعد الرقم الأول في الرمز ستة أرقام بالضبط، مثل %1. تحقّق منه مع من أعطاك إياه.</translation>
    </message>
    <message>
        <source>Nobody is offering this code here. It may have expired or been used, or its first number may be wrong. Check it, or ask for a new code.</source>
        <translation>لا أحد يعرض هذا الرمز هنا. ربما انتهت صلاحيته أو استُخدم، أو ربما رقمه الأول خاطئ. تحقّق منه، أو اطلب رمزًا جديدًا.</translation>
    </message>
    <message>
        <source>The code does not match. Check the digits with the person who gave it to you; after %2 wrong tries a code stops working.</source>
        <translation>الرمز غير مطابق. تحقّق من الأرقام مع من أعطاك إياه؛ بعد %2 محاولات خاطئة يتوقف الرمز عن العمل.</translation>
    </message>
    <message>
        <source>This code has expired. Ask for a new one: a code works for %3 minutes.</source>
        <translation>انتهت صلاحية هذا الرمز. اطلب رمزًا جديدًا: يعمل الرمز مدة %3 دقائق.</translation>
    </message>
    <message>
        <source>This code no longer works: it was used, or tried wrongly too many times. Ask for a new one.</source>
        <translation>لم يعد هذا الرمز يعمل: استُخدم، أو جُرّب خطأً مرات كثيرة. اطلب رمزًا جديدًا.</translation>
    </message>
    <message>
        <source>The person who offered this code closed it before the exchange finished.</source>
        <translation>أغلق صاحب الرمز الرمزَ قبل أن يكتمل التبادل.</translation>
    </message>
    <message>
        <source>The other side did not answer in time. Try again, or ask for a new code.</source>
        <translation>لم يُجب الطرف الآخر في الوقت المحدد. حاول مجددًا، أو اطلب رمزًا جديدًا.</translation>
    </message>
    <message>
        <source>Something on the way changed the exchange, so nothing was accepted. Try again, or ask for a new code.</source>
        <translation>شيء ما في الطريق غيّر التبادل، فلم يُقبل شيء. حاول مجددًا، أو اطلب رمزًا جديدًا.</translation>
    </message>
    <message>
        <source>Could not reach the relay, or it refused the connection.</source>
        <translation>تعذّر الوصول إلى الخادم الوسيط، أو رفض الاتصال.</translation>
    </message>
    <message>
        <source>Say which relay the code is on: type the relay&apos;s address (the host&apos;s app shows it with the code), or choose the room in the list of rooms on this network.</source>
        <translation>حدّد الخادم الوسيط الذي عليه الرمز: اكتب عنوانه (يعرضه تطبيق المضيف مع الرمز)، أو اختر الغرفة من قائمة الغرف على هذه الشبكة.</translation>
    </message>
    <message>
        <source>Could not connect through the proxy set in Settings. Majlis does not connect without it.</source>
        <translation>تعذّر الاتصال عبر الوكيل المضبوط في الإعدادات. لا يتصل مجلس من دونه.</translation>
    </message>
    <message>
        <source>%4 codes are open already; wait until one is used or expires, or withdraw one.</source>
        <translation>هناك %4 رموز مفتوحة بالفعل؛ انتظر حتى يُستخدم أحدها أو تنتهي صلاحيته، أو اسحب أحدها.</translation>
    </message>
    <message>
        <source>A relay&apos;s address starts with wss:// (or ws:// on this network), like the one the host&apos;s app shows with the code.</source>
        <translation>يبدأ عنوان الخادم الوسيط بـ wss://‏ (أو ws://‏ على هذه الشبكة)، مثل الذي يعرضه تطبيق المضيف مع الرمز.</translation>
    </message>
    <message>
        <source>The room is not open, so no code can be made for it.</source>
        <translation>الغرفة غير مفتوحة، فلا يمكن إنشاء رمز لها.</translation>
    </message>
    <message>
        <source>Every short code on this relay seems taken right now; try again in a minute.</source>
        <translation>يبدو أن كل الرموز القصيرة على هذا الخادم الوسيط مأخوذة الآن؛ حاول بعد دقيقة.</translation>
    </message>
    <message>
        <source>Joining with this code did not work.</source>
        <translation>لم ينجح الدخول بهذا الرمز.</translation>
    </message>
    <message>
        <source>Looking for the code on the relay…</source>
        <translation>جارٍ البحث عن الرمز على الخادم الوسيط…</translation>
    </message>
    <message>
        <source>Checking the code with the host&apos;s app…</source>
        <translation>جارٍ التحقق من الرمز مع تطبيق المضيف…</translation>
    </message>
    <message>
        <source>The code matches; receiving the invite…</source>
        <translation>الرمز مطابق؛ جارٍ استلام الدعوة…</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>متبقٍّ %1</translation>
    </message>
    <message>
        <source>used by %1</source>
        <translation>استخدمه %1</translation>
    </message>
    <message>
        <source>stopped after %1 wrong tries</source>
        <translation>توقّف بعد %1 محاولات خاطئة</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>انتهت صلاحيته</translation>
    </message>
    <message>
        <source>withdrawn</source>
        <translation>مسحوب</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>مغلق</translation>
    </message>
    <message>
        <source>Someone tried code %1 and it did not match (%2 of %3 tries left).</source>
        <translation>جرّب أحدهم الرمز %1 ولم يكن مطابقًا (بقيت %2 من %3 محاولات).</translation>
    </message>
    <message>
        <source>Code %1 was used by %2 (%3); their knock will say it came through this code.</source>
        <translation>استخدم %2 الرمز %1 (%3)؛ سيظهر في طلب دخوله أنه جاء عبر هذا الرمز.</translation>
    </message>
    <message>
        <source>Code %1 stopped working after %2 tries that did not match. Make a new one if someone still needs to join.</source>
        <translation>توقف الرمز %1 عن العمل بعد %2 محاولات غير مطابقة. أنشئ رمزًا جديدًا إن كان أحد لا يزال يريد الدخول.</translation>
    </message>
    <message>
        <source>Code %1 expired unused.</source>
        <translation>انتهت صلاحية الرمز %1 دون أن يُستخدم.</translation>
    </message>
    <message>
        <source>Code %1 was withdrawn.</source>
        <translation>سُحب الرمز %1.</translation>
    </message>
    <message>
        <source>Say code %1 to the person who should join. It works once, for %2 minutes.</source>
        <translation>قل الرمز %1 للشخص الذي سيدخل. يعمل مرة واحدة، مدة %2 دقائق.</translation>
    </message>
    <message>
        <source>Code %1 closed: the connection to the relay was lost.</source>
        <translation>أُغلق الرمز %1: انقطع الاتصال بالخادم الوسيط.</translation>
    </message>
    <message>
        <source>Join %1?</source>
        <translation>الدخول إلى %1؟</translation>
    </message>
    <message>
        <source>The code worked. It is for the room “%1”, hosted by the key with fingerprint:

%2

If you can, compare this fingerprint with the host&apos;s before you knock.</source>
        <translation>نجح الرمز. إنه للغرفة «%1»، التي يستضيفها المفتاح ذو البصمة:

%2

إن استطعت، قارن هذه البصمة ببصمة المضيف قبل أن تطرق الباب.</translation>
    </message>
    <message>
        <source>&amp;Knock</source>
        <translation>ا&amp;طرق الباب</translation>
    </message>
    <message>
        <source>Ca&amp;ncel</source>
        <translation>إ&amp;لغاء</translation>
    </message>
    <message>
        <source>Opening a code on the relay…</source>
        <translation>جارٍ فتح رمز على الخادم الوسيط…</translation>
    </message>
    <message>
        <source>Or say a code</source>
        <translation>أو قل رمزًا</translation>
    </message>
    <message>
        <source>A spoken code lets one person in without sending the link: they type it on their home page. Each code works once, for a few minutes, and stops after %1 wrong tries.</source>
        <translation>الرمز المنطوق يُدخل شخصًا واحدًا دون إرسال الرابط: يكتبه في صفحته الرئيسية. كل رمز يعمل مرة واحدة، لبضع دقائق، ويتوقف بعد %1 محاولات خاطئة.</translation>
    </message>
    <message>
        <source>Tell them the relay&apos;s address too.</source>
        <translation>أخبره بعنوان الخادم الوسيط أيضًا.</translation>
    </message>
    <message>
        <source>&amp;Make a spoken code</source>
        <translation>أنشئ رمزًا &amp;منطوقًا</translation>
    </message>
    <message>
        <source>&amp;Withdraw code</source>
        <translation>ا&amp;سحب الرمز</translation>
    </message>
    <message>
        <source>Spoken codes</source>
        <translation>الرموز المنطوقة</translation>
    </message>
</context>
<context>
    <name>FirstRunPage</name>
    <message>
        <source>Welcome to Majlis</source>
        <translation>أهلًا بك في مجلس</translation>
    </message>
    <message>
        <source>Voice rooms that only the people inside can hear. Everything is encrypted on your computer before it leaves, and nothing is recorded.</source>
        <translation>غرف صوتية لا يسمعها إلا من في داخلها. كل شيء يُشفَّر على حاسوبك قبل أن يغادره، ولا يُسجَّل شيء.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>ال&amp;لغة:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>اللغة</translation>
    </message>
    <message>
        <source>Your &amp;name in rooms:</source>
        <translation>ا&amp;سمك في الغرف:</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>اسمك</translation>
    </message>
    <message>
        <source>Only people in the same room see it. It does not have to be your real name.</source>
        <translation>لا يراه إلا من في الغرفة نفسها، ولا يلزم أن يكون اسمك الحقيقي.</translation>
    </message>
    <message>
        <source>Your key fingerprint:</source>
        <translation>بصمة مفتاحك:</translation>
    </message>
    <message>
        <source>Your key fingerprint: %1</source>
        <translation>بصمة مفتاحك: %1</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>أنشئ مفتاحًا جديدًا</translation>
    </message>
    <message>
        <source>Throw this key away and make another one.</source>
        <translation>تخلَّص من هذا المفتاح وأنشئ غيره.</translation>
    </message>
    <message>
        <source>Others in a room can compare this fingerprint, or your safety number, to be sure they are talking to you.</source>
        <translation>يستطيع من في الغرفة مطابقة هذه البصمة، أو رقم الأمان بينكم، ليتأكدوا أنهم يتحدثون إليك أنت.</translation>
    </message>
    <message>
        <source>&amp;Keep my identity on this computer</source>
        <translation>احتفظ ب&amp;هويتي على هذا الحاسوب</translation>
    </message>
    <message>
        <source>Off (recommended): a new key every time you open Majlis, and nothing is saved. On: people who verified you can recognise you next time, but a file on this computer shows that Majlis was used here.</source>
        <translation>معطَّل (يُنصح به): مفتاح جديد في كل مرة تفتح فيها مجلس، ولا يُحفظ شيء. مفعَّل: يتعرّف عليك في المرة القادمة من تحقّق منك، لكن ملفًا على هذا الحاسوب يكشف أن مجلس استُخدم هنا.</translation>
    </message>
    <message>
        <source>&amp;Remember my name and settings on this computer</source>
        <translation>ت&amp;ذكَّر اسمي وإعداداتي على هذا الحاسوب</translation>
    </message>
    <message>
        <source>&amp;Continue</source>
        <translation>&amp;متابعة</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <source>This is not a Majlis invite link, or part of it is missing. Links look like majlis://join#… ; copy the whole link again.</source>
        <translation>هذا ليس رابط دعوة إلى مجلس، أو أن جزءًا منه ناقص. تبدأ الروابط هكذا: ⁦majlis://join#…⁩ ؛ انسخ الرابط كاملًا مرة أخرى.</translation>
    </message>
    <message>
        <source>To join this room, type the code its host says (like %1) in the field above, or paste the invite link the host shared. Being on the same network is not enough: the code or the link holds the room&apos;s key.</source>
        <translation>للدخول إلى هذه الغرفة، اكتب الرمز الذي يقوله مضيفها (مثل %1) في الحقل أعلاه، أو الصق رابط الدعوة الذي شاركه المضيف. لا يكفي أن تكون على الشبكة نفسها: الرمز أو الرابط يحمل مفتاح الغرفة.</translation>
    </message>
    <message>
        <source>No rooms found on this network yet.</source>
        <translation>لم يُعثر على غرف في هذه الشبكة بعد.</translation>
    </message>
    <message>
        <source>Not looking. Turn this on to see rooms hosted on this network.</source>
        <translation>البحث متوقف. فعِّله لترى الغرف المستضافة على هذه الشبكة.</translation>
    </message>
    <message>
        <source>Not looking while a proxy is set in Settings: looking would tell this network that Majlis runs here.</source>
        <translation>لا بحث ما دام وكيل مضبوطًا في الإعدادات: البحث سيُخبر هذه الشبكة أن مجلس يعمل هنا.</translation>
    </message>
    <message>
        <source>Looking for rooms on this network…</source>
        <translation>جارٍ البحث عن غرف على هذه الشبكة…</translation>
    </message>
    <message>
        <source>Hello, %1</source>
        <translation>أهلًا يا %1</translation>
    </message>
    <message>
        <source>Majlis</source>
        <translation>مجلس</translation>
    </message>
    <message>
        <source>Your key fingerprint: %1</source>
        <translation>بصمة مفتاحك: %1</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>الإ&amp;عدادات</translation>
    </message>
    <message>
        <source>S&amp;tart a room</source>
        <translation>ابدأ &amp;غرفة</translation>
    </message>
    <message>
        <source>Join with a link</source>
        <translation>انضم برابط</translation>
    </message>
    <message>
        <source>Paste an invite link (majlis://join#…)</source>
        <translation>الصق رابط دعوة: ⁦majlis://join#…⁩</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>ا&amp;نضم</translation>
    </message>
    <message>
        <source>Join with a spoken code</source>
        <translation>ادخل برمز منطوق</translation>
    </message>
    <message>
        <source>Code the host said (like %1)</source>
        <translation>الرمز الذي قاله المضيف (مثل %1)</translation>
    </message>
    <message>
        <source>Relay (wss://…), for a room on the internet</source>
        <translation>الخادم الوسيط (wss://…)، لغرفة على الإنترنت</translation>
    </message>
    <message>
        <source>Join with c&amp;ode</source>
        <translation>ادخل بال&amp;رمز</translation>
    </message>
    <message>
        <source>The link is the key to the room: anyone who has it can ask to come in. Share it only with people you trust, in a private message.</source>
        <translation>الرابط هو مفتاح الغرفة: كل من يملكه يستطيع طلب الدخول. لا تشاركه إلا مع من تثق بهم، وفي رسالة خاصة.</translation>
    </message>
    <message>
        <source>Rooms on this network</source>
        <translation>غرف على هذه الشبكة</translation>
    </message>
    <message>
        <source>&amp;Look for rooms on this network</source>
        <translation>ا&amp;بحث عن غرف على هذه الشبكة</translation>
    </message>
    <message>
        <source>Other devices on this network can see that this computer is looking for Majlis rooms.</source>
        <translation>تستطيع الأجهزة الأخرى على هذه الشبكة أن ترى أن هذا الحاسوب يبحث عن غرف مجلس.</translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Copied. Paste it into a private message.</source>
        <translation>نُسخ الرابط. الصقه في رسالة خاصة.</translation>
    </message>
    <message>
        <source>Invite people to %1</source>
        <translation>ادعُ أشخاصًا إلى %1</translation>
    </message>
    <message>
        <source>Send this link to the people you want in the room.</source>
        <translation>أرسل هذا الرابط إلى من تريدهم في الغرفة.</translation>
    </message>
    <message>
        <source>Invite link</source>
        <translation>رابط الدعوة</translation>
    </message>
    <message>
        <source>&amp;Copy link</source>
        <translation>ا&amp;نسخ الرابط</translation>
    </message>
    <message>
        <source>Show &amp;QR code</source>
        <translation>اعرض &amp;رمز QR</translation>
    </message>
    <message>
        <source>QR code of the invite link</source>
        <translation>رمز QR لرابط الدعوة</translation>
    </message>
    <message>
        <source>Anyone who has this link can ask to come in and, unless you approve each person, listen. Do not post it in public places.</source>
        <translation>كل من يملك هذا الرابط يستطيع طلب الدخول، ويستطيع الاستماع ما لم تكن توافق على كل شخص بنفسك. لا تنشره في الأماكن العامة.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>إغلاق</translation>
    </message>
</context>
<context>
    <name>KnockModel</name>
    <message>
        <source>came through code %1</source>
        <translation>جاء عبر الرمز %1</translation>
    </message>
    <message>
        <source>%1 asks to join; key fingerprint %2</source>
        <translation>%1 يطلب الانضمام؛ بصمة المفتاح %2</translation>
    </message>
</context>
<context>
    <name>LanRoomsModel</name>
    <message>
        <source>Private room (needs its invite)</source>
        <translation>غرفة خاصة (تحتاج إلى دعوتها)</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Host</source>
        <translation>المضيف</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>%1 — Majlis</source>
        <translation>%1 — مجلس</translation>
    </message>
    <message>
        <source>Majlis</source>
        <translation>مجلس</translation>
    </message>
    <message>
        <source>Forgotten</source>
        <translation>تم النسيان</translation>
    </message>
    <message>
        <source>Majlis deleted everything it kept on this computer. Nothing is saved until you tick a box in Settings again.</source>
        <translation>حذف مجلس كل ما احتفظ به على هذا الحاسوب. لن يُحفظ شيء حتى تحدد مربعًا في الإعدادات مرة أخرى.</translation>
    </message>
    <message>
        <source>Close Majlis?</source>
        <translation>إغلاق مجلس؟</translation>
    </message>
    <message>
        <source>You are hosting this room. Closing Majlis ends the room for everyone and throws its keys away.</source>
        <translation>أنت تستضيف هذه الغرفة. إغلاق مجلس يُنهي الغرفة للجميع ويتخلّص من مفاتيحها.</translation>
    </message>
    <message>
        <source>To keep the room going, minimise the window instead.</source>
        <translation>لإبقاء الغرفة قائمة، صغِّر النافذة بدلًا من ذلك.</translation>
    </message>
    <message>
        <source>&amp;End the room and quit</source>
        <translation>أ&amp;نهِ الغرفة واخرج</translation>
    </message>
    <message>
        <source>Mi&amp;nimise</source>
        <translation>&amp;صغِّر النافذة</translation>
    </message>
</context>
<context>
    <name>MemberDelegate</name>
    <message>
        <source>%1 (you)</source>
        <translation>%1 (أنت)</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <source>%1 percent</source>
        <translation>%1 بالمئة</translation>
    </message>
    <message>
        <source>Choose someone on the stage or in the audience to see their safety number and what you can do.</source>
        <translation>اختر أحدًا على المنصة أو من الجمهور لترى رقم الأمان بينكما وما يمكنك فعله.</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>المضيف</translation>
    </message>
    <message>
        <source>Co-host</source>
        <translation>مضيف مشارك</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>متحدّث</translation>
    </message>
    <message>
        <source>Listener</source>
        <translation>مستمع</translation>
    </message>
    <message>
        <source>Key fingerprint: %1</source>
        <translation>بصمة المفتاح: %1</translation>
    </message>
    <message>
        <source>Safety number:</source>
        <translation>رقم الأمان:</translation>
    </message>
    <message>
        <source>This is you.</source>
        <translation>هذا أنت.</translation>
    </message>
    <message>
        <source>%1 sees the same number on their screen. Compare it by voice or in person; if it matches, nobody is in between.</source>
        <translation>يرى %1 الرقم نفسه على شاشته. طابِقاه صوتًا أو وجهًا لوجه؛ فإن تطابق فلا أحد بينكما.</translation>
    </message>
    <message>
        <source>Safety number: %1</source>
        <translation>رقم الأمان: %1</translation>
    </message>
    <message>
        <source>I compared it: veri&amp;fied</source>
        <translation>طابقته: مو&amp;ثَّق</translation>
    </message>
    <message>
        <source>Invite to the &amp;stage</source>
        <translation>ادعُ إلى ال&amp;منصة</translation>
    </message>
    <message>
        <source>Move to the &amp;audience</source>
        <translation>انقل إلى ال&amp;جمهور</translation>
    </message>
    <message>
        <source>&amp;Volume:</source>
        <translation>مستوى ال&amp;صوت:</translation>
    </message>
    <message>
        <source>Volume for %1</source>
        <translation>مستوى صوت %1</translation>
    </message>
    <message>
        <source>Leave the stage</source>
        <translation>انزل عن المنصة</translation>
    </message>
    <message>
        <source>Remove &amp;co-host</source>
        <translation>أزل صفة الم&amp;ضيف المشارك</translation>
    </message>
    <message>
        <source>Make &amp;co-host</source>
        <translation>اجعله م&amp;ضيفًا مشاركًا</translation>
    </message>
    <message>
        <source>&amp;Remove from the room</source>
        <translation>أ&amp;خرِج من الغرفة</translation>
    </message>
    <message>
        <source>They are told, and the room moves to a new key they never get.</source>
        <translation>يُبلَّغ بذلك، وتنتقل الغرفة إلى مفتاح جديد لن يصله أبدًا.</translation>
    </message>
    <message>
        <source>Listener, invited to the stage</source>
        <translation>مستمع، مدعوّ إلى المنصة</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>You are in the waiting room. The host will let you in soon.</source>
        <translation>أنت في غرفة الانتظار. سيُدخلك المضيف قريبًا.</translation>
    </message>
    <message>
        <source>%1 invites you to speak on the stage. You start muted: nobody hears you until you unmute.</source>
        <translation>يدعوك %1 إلى التحدث على المنصة. تبدأ وصوتك مكتوم: لن يسمعك أحد حتى تلغي الكتم.</translation>
    </message>
    <message>
        <source>You are invited to speak on the stage. You start muted: nobody hears you until you unmute.</source>
        <translation>أنت مدعوّ إلى التحدث على المنصة. تبدأ وصوتك مكتوم: لن يسمعك أحد حتى تلغي الكتم.</translation>
    </message>
    <message>
        <source>Connection lost. Reconnecting…</source>
        <translation>انقطع الاتصال. جارٍ إعادة الاتصال…</translation>
    </message>
    <message>
        <source>A message that failed its security check was thrown away. Nothing you hear was affected.</source>
        <translation>أُهملت رسالة لم تجتز فحص الأمان. لم يتأثر شيء مما تسمعه.</translation>
    </message>
    <message>
        <source>No microphone or speaker could be opened. You can stay in the room; check Settings.</source>
        <translation>تعذّر فتح الميكروفون أو السماعة. يمكنك البقاء في الغرفة؛ راجع الإعدادات.</translation>
    </message>
    <message>
        <source>The room could not be announced on this network. People can still join with the invite link.</source>
        <translation>تعذّر الإعلان عن الغرفة على هذه الشبكة. ما زال بإمكان الناس الانضمام برابط الدعوة.</translation>
    </message>
    <message>
        <source>%1 came in through code %2.</source>
        <translation>دخل %1 عبر الرمز %2.</translation>
    </message>
    <message>
        <source>Someone was removed, so people with the link no longer come in by themselves: they could come back under a new name. Let each person in from the waiting room, or start a new room with a new link.</source>
        <translation>أُخرج أحدهم، لذا لم يعد من لديه الرابط يدخل تلقائيًا: قد يعود باسم جديد. أدخِل كل شخص من غرفة الانتظار، أو ابدأ غرفة جديدة برابط جديد.</translation>
    </message>
    <message>
        <source>Everyone who knocks now waits until you let them in.</source>
        <translation>كل من يطرق الباب الآن ينتظر حتى تُدخله.</translation>
    </message>
    <message>
        <source>You were removed from the room by a host. You can no longer hear it.</source>
        <translation>أخرجك أحد المضيفين من الغرفة. لم يعد بإمكانك سماعها.</translation>
    </message>
    <message>
        <source>The host did not let you in.</source>
        <translation>لم يسمح لك المضيف بالدخول.</translation>
    </message>
    <message>
        <source>Nobody is in this room: it has ended, or the host has not opened it yet.</source>
        <translation>لا أحد في هذه الغرفة: فإما أنها انتهت، أو أن المضيف لم يفتحها بعد.</translation>
    </message>
    <message>
        <source>The host did not answer. The room may have ended, or the host is away.</source>
        <translation>لم يردّ المضيف. ربما انتهت الغرفة، أو أن المضيف غير موجود.</translation>
    </message>
    <message>
        <source>The host ended the room.</source>
        <translation>أنهى المضيف الغرفة.</translation>
    </message>
    <message>
        <source>The host left, so the room has ended.</source>
        <translation>غادر المضيف، فانتهت الغرفة.</translation>
    </message>
    <message>
        <source>The room&apos;s host is no longer on this network: the room has ended, or the host&apos;s computer left the network.</source>
        <translation>مضيف الغرفة لم يعد على هذه الشبكة: انتهت الغرفة، أو غادر حاسوب المضيف الشبكة.</translation>
    </message>
    <message>
        <source>Could not connect through the proxy set in Settings. Majlis does not connect without it.</source>
        <translation>تعذّر الاتصال عبر الوكيل المحدَّد في الإعدادات. لا يتصل مجلس من دونه.</translation>
    </message>
    <message>
        <source>Could not reach the relay, or the connection to it was lost.</source>
        <translation>تعذّر الوصول إلى الخادم الوسيط، أو انقطع الاتصال به.</translation>
    </message>
    <message>
        <source>This room is not there any more.</source>
        <translation>هذه الغرفة لم تعد موجودة.</translation>
    </message>
    <message>
        <source>Something went wrong and the room was closed.</source>
        <translation>حدث خطأ فأُغلقت الغرفة.</translation>
    </message>
    <message>
        <source>Voices and messages in this room are encrypted on each person&apos;s computer. The relay that passes them on cannot listen, and nothing is recorded.

Room code: %1

Everyone in this room sees the same code. Read it out loud: if someone sees a different code, they are not in the same room as you. To be sure of one person, compare your safety number with theirs.</source>
        <translation>الأصوات والرسائل في هذه الغرفة تُشفَّر على حاسوب كل شخص. الخادم الوسيط الذي ينقلها لا يستطيع الاستماع، ولا يُسجَّل شيء.

رمز الغرفة: %1

يرى كل من في الغرفة الرمز نفسه. اقرأه بصوت مرتفع: من يرى رمزًا مختلفًا فليس في الغرفة نفسها معك. وللتأكد من شخص بعينه، طابِق رقم الأمان بينكما.</translation>
    </message>
    <message>
        <source>via %1</source>
        <translation>عبر %1</translation>
    </message>
    <message>
        <source>Connection: measuring…</source>
        <translation>الاتصال: جارٍ القياس…</translation>
    </message>
    <message>
        <source>good</source>
        <translation>جيد</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>مقبول</translation>
    </message>
    <message>
        <source>poor</source>
        <translation>ضعيف</translation>
    </message>
    <message>
        <source>Connection: %1</source>
        <translation>الاتصال: %1</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ملّي ثانية</translation>
    </message>
    <message>
        <source>%1% lost</source>
        <translation>فُقد %1٪</translation>
    </message>
</context>
<context>
    <name>Plurals</name>
    <message numerus="yes">
        <source>Your connection is too slow for %n speakers: you will hear gaps.</source>
        <translation>
            <numerusform>اتصالك أبطأ من أن يحمل أي متحدث: ستسمع انقطاعات.</numerusform>
            <numerusform>اتصالك أبطأ من أن يحمل متحدثًا واحدًا: ستسمع انقطاعات.</numerusform>
            <numerusform>اتصالك أبطأ من أن يحمل متحدثَين: ستسمع انقطاعات.</numerusform>
            <numerusform>اتصالك أبطأ من أن يحمل %n متحدثين: ستسمع انقطاعات.</numerusform>
            <numerusform>اتصالك أبطأ من أن يحمل %n متحدثًا: ستسمع انقطاعات.</numerusform>
            <numerusform>اتصالك أبطأ من أن يحمل %n متحدث: ستسمع انقطاعات.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n tries left</source>
        <translation>
            <numerusform>لم تبقَ محاولات</numerusform>
            <numerusform>بقيت محاولة واحدة</numerusform>
            <numerusform>بقيت محاولتان</numerusform>
            <numerusform>بقيت %n محاولات</numerusform>
            <numerusform>بقيت %n محاولة</numerusform>
            <numerusform>بقيت %n محاولة</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RoomPage</name>
    <message>
        <source>&amp;Join the stage</source>
        <translation>اص&amp;عد إلى المنصة</translation>
    </message>
    <message>
        <source>&amp;Not now</source>
        <translation>&amp;ليس الآن</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>حسنًا</translation>
    </message>
    <message>
        <source>The host moved the room to another relay. Following…</source>
        <translation>نقل المضيف الغرفة إلى خادم وسيط آخر. جارٍ اللحاق بها…</translation>
    </message>
    <message>
        <source>You were away too long to keep your place: you are joining again, as a listener.</source>
        <translation>غبت طويلًا فلم يعد مكانك محفوظًا: ستنضم من جديد مستمعًا.</translation>
    </message>
    <message>
        <source>%1 stays in the audience for now.</source>
        <translation>يبقى %1 مع الجمهور الآن.</translation>
    </message>
    <message>
        <source>That is not possible right now.</source>
        <translation>هذا غير ممكن الآن.</translation>
    </message>
    <message>
        <source>Another invite link arrived. It is waiting on the home page: leave this room to join it.</source>
        <translation>وصل رابط دعوة آخر. ينتظرك في الصفحة الرئيسية: غادر هذه الغرفة لتنضم إليها.</translation>
    </message>
    <message>
        <source>Start a new room?</source>
        <translation>بدء غرفة جديدة؟</translation>
    </message>
    <message>
        <source>This room ends for everyone in it, and a new room opens with a new link. Share the new link only with the people you want in.</source>
        <translation>تنتهي هذه الغرفة لكل من فيها، وتُفتح غرفة جديدة برابط جديد. شارك الرابط الجديد فقط مع من تريدهم فيها.</translation>
    </message>
    <message>
        <source>&amp;Start a new room</source>
        <translation>ابدأ غرفة &amp;جديدة</translation>
    </message>
    <message>
        <source>Back to &amp;home</source>
        <translation>عودة إلى ال&amp;رئيسية</translation>
    </message>
    <message>
        <source>End the room?</source>
        <translation>إنهاء الغرفة؟</translation>
    </message>
    <message>
        <source>You are now a co-host: you can invite people to the stage, move them to the audience and remove them. Your microphone stays as it was.</source>
        <translation>أنت الآن مضيف مشارك: يمكنك دعوة الناس إلى المنصة ونقلهم إلى الجمهور وإخراجهم. يبقى ميكروفونك كما كان.</translation>
    </message>
    <message>
        <source>&amp;Keep the waiting room</source>
        <translation>أبقِ &amp;غرفة الانتظار</translation>
    </message>
    <message>
        <source>Start a new room with a ne&amp;w link</source>
        <translation>&amp;شارك رابطًا جديدًا في غرفة جديدة</translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation>أ&amp;عد المحاولة</translation>
    </message>
    <message>
        <source>Everyone is disconnected and the room&apos;s keys are thrown away.</source>
        <translation>سينقطع اتصال الجميع وتُتلف مفاتيح الغرفة.</translation>
    </message>
    <message>
        <source>&amp;End for everyone</source>
        <translation>أ&amp;نهِها للجميع</translation>
    </message>
    <message>
        <source>Move the room to %1?</source>
        <translation>نقل الغرفة إلى %1؟</translation>
    </message>
    <message>
        <source>Everyone reconnects there by themselves: the room, its keys and everyone&apos;s role stay as they are.</source>
        <translation>يعيد الجميع الاتصال هناك تلقائيًا: تبقى الغرفة ومفاتيحها ودور كل شخص كما هي.</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>&amp;انقل</translation>
    </message>
    <message>
        <source>Remove %1?</source>
        <translation>إخراج %1؟</translation>
    </message>
    <message>
        <source>%1 is told they were removed and cannot hear the room any more.</source>
        <translation>سيُبلَّغ %1 بأنه أُخرج، ولن يتمكن من سماع الغرفة بعد ذلك.</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>أ&amp;خرِج</translation>
    </message>
    <message>
        <source>End-to-end encrypted</source>
        <translation>مشفّرة من طرف إلى طرف</translation>
    </message>
    <message>
        <source>Settin&amp;gs</source>
        <translation>&amp;الإعدادات</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>غير متصل</translation>
    </message>
    <message>
        <source>Waiting to be let in…</source>
        <translation>بانتظار السماح لك بالدخول…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>جارٍ الاتصال…</translation>
    </message>
    <message>
        <source>End-to-end encrypted · Room code %1</source>
        <translation>مشفّرة من طرف إلى طرف · رمز الغرفة %1</translation>
    </message>
    <message>
        <source>Everyone in the room sees the same code. Compare it to be sure you are all in the same room.</source>
        <translation>يرى كل من في الغرفة الرمز نفسه. طابِقوه لتتأكدوا أنكم جميعًا في الغرفة نفسها.</translation>
    </message>
    <message>
        <source>On stage (%1)</source>
        <translation>على المنصة (%1)</translation>
    </message>
    <message>
        <source>Listening (%1)</source>
        <translation>يستمعون (%1)</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>المنصة</translation>
    </message>
    <message>
        <source>Audience</source>
        <translation>الجمهور</translation>
    </message>
    <message>
        <source>Un&amp;mute</source>
        <translation>إلغاء ال&amp;كتم</translation>
    </message>
    <message>
        <source>&amp;Mute</source>
        <translation>ا&amp;كتم الصوت</translation>
    </message>
    <message>
        <source>Lower &amp;hand</source>
        <translation>أ&amp;نزل يدك</translation>
    </message>
    <message>
        <source>Raise &amp;hand</source>
        <translation>ا&amp;رفع يدك</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>ا&amp;دعُ</translation>
    </message>
    <message>
        <source>&amp;Leave quietly</source>
        <translation>غادِر ب&amp;هدوء</translation>
    </message>
    <message>
        <source>&amp;End room</source>
        <translation>أ&amp;نهِ الغرفة</translation>
    </message>
    <message>
        <source>Move to the next rela&amp;y</source>
        <translation>انقل إلى الخادم الوسيط ال&amp;تالي</translation>
    </message>
    <message>
        <source>For when this relay is slow, watched or about to close: the room moves to the next relay of its invite, and everyone follows.</source>
        <translation>حين يكون هذا الخادم الوسيط بطيئًا أو مراقَبًا أو على وشك الإغلاق: تنتقل الغرفة إلى الخادم التالي في دعوتها، ويتبعها الجميع.</translation>
    </message>
    <message>
        <source>Hold %1 to talk</source>
        <translation>اضغط مطولًا على %1 لتتحدث</translation>
    </message>
</context>
<context>
    <name>RosterModel</name>
    <message>
        <source>host</source>
        <translation>مضيف</translation>
    </message>
    <message>
        <source>co-host</source>
        <translation>مضيف مشارك</translation>
    </message>
    <message>
        <source>speaker</source>
        <translation>متحدّث</translation>
    </message>
    <message>
        <source>listener</source>
        <translation>مستمع</translation>
    </message>
    <message>
        <source>you</source>
        <translation>أنت</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>صوته مكتوم</translation>
    </message>
    <message>
        <source>speaking</source>
        <translation>يتحدث</translation>
    </message>
    <message>
        <source>microphone on</source>
        <translation>الميكروفون مفتوح</translation>
    </message>
    <message>
        <source>hand raised</source>
        <translation>رافع يده</translation>
    </message>
    <message>
        <source>invited to the stage, waiting for an answer</source>
        <translation>مدعو إلى المنصة، بانتظار الرد</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>يعيد الاتصال</translation>
    </message>
    <message>
        <source>safety number verified</source>
        <translation>رقم الأمان موثَّق</translation>
    </message>
    <message>
        <source>, </source>
        <translation>، </translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Stop the test</source>
        <translation>أوقف الاختبار</translation>
    </message>
    <message>
        <source>&amp;Test the microphone</source>
        <translation>ا&amp;ختبر الميكروفون</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>الإعدادات</translation>
    </message>
    <message>
        <source>Sound</source>
        <translation>الصوت</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>الشبكة</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>المظهر</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>الخصوصية</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>أقسام الإعدادات</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>ال&amp;ميكروفون:</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>الميكروفون</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>السماعة</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>الافتراضي في النظام</translation>
    </message>
    <message>
        <source>No audio devices were found. You can still join rooms, but you will neither hear nor be heard.</source>
        <translation>لم يُعثر على أجهزة صوت. يمكنك الانضمام إلى الغرف، لكنك لن تسمع ولن تُسمَع.</translation>
    </message>
    <message>
        <source>Microphone level</source>
        <translation>مستوى الميكروفون</translation>
    </message>
    <message>
        <source>Audio &amp;quality:</source>
        <translation>&amp;جودة الصوت:</translation>
    </message>
    <message>
        <source>Audio quality</source>
        <translation>جودة الصوت</translation>
    </message>
    <message>
        <source>Low data (16 kbit/s)</source>
        <translation>استهلاك منخفض للبيانات (16 كيلوبت/ث)</translation>
    </message>
    <message>
        <source>Standard (24 kbit/s)</source>
        <translation>عادية (24 كيلوبت/ث)</translation>
    </message>
    <message>
        <source>High (32 kbit/s)</source>
        <translation>عالية (32 كيلوبت/ث)</translation>
    </message>
    <message>
        <source>&amp;Push to talk: hold a key to speak</source>
        <translation>ا&amp;ضغط لتتحدث: اضغط مطولًا على مفتاح لتتكلم</translation>
    </message>
    <message>
        <source>Spea&amp;ker:</source>
        <translation>ال&amp;سماعة:</translation>
    </message>
    <message>
        <source>Write the proxy as socks5://host:port (Tor: socks5://127.0.0.1:9050, or just tor), http://host:port, or system.</source>
        <translation>اكتب الوكيل بالشكل socks5://host:port (لـ Tor:‏ socks5://127.0.0.1:9050، أو tor فقط)، أو http://host:port، أو system.</translation>
    </message>
    <message>
        <source>Forget everything?</source>
        <translation>نسيان كل شيء؟</translation>
    </message>
    <message>
        <source>Your saved name, settings and identity key are deleted from this computer. People who verified your key will see a new one next time.</source>
        <translation>يُحذف اسمك وإعداداتك ومفتاح هويتك المحفوظة من هذا الحاسوب. من وثّقوا مفتاحك سيرون مفتاحًا جديدًا في المرة القادمة.</translation>
    </message>
    <message>
        <source>&amp;Forget everything</source>
        <translation>ا&amp;نسَ كل شيء</translation>
    </message>
    <message>
        <source>Push-to-talk ke&amp;y:</source>
        <translation>م&amp;فتاح الضغط للتحدث:</translation>
    </message>
    <message>
        <source>Push-to-talk key</source>
        <translation>مفتاح الضغط للتحدث</translation>
    </message>
    <message>
        <source>Reduce background &amp;noise</source>
        <translation>خفّض ضوضاء الخ&amp;لفية</translation>
    </message>
    <message>
        <source>Takes out steady noise (fans, traffic) before your voice is sent.</source>
        <translation>يزيل الضوضاء الثابتة (المراوح، حركة السير) قبل إرسال صوتك.</translation>
    </message>
    <message>
        <source>Cancel &amp;echo</source>
        <translation>ألغِ ال&amp;صدى</translation>
    </message>
    <message>
        <source>Stops others hearing themselves through your speakers. With headphones you can turn it off.</source>
        <translation>يمنع الآخرين من سماع أصواتهم عبر سماعاتك. مع سماعات الرأس يمكنك إيقافه.</translation>
    </message>
    <message>
        <source>&amp;Proxy:</source>
        <translation>ال&amp;وكيل:</translation>
    </message>
    <message>
        <source>Proxy address</source>
        <translation>عنوان الوكيل</translation>
    </message>
    <message>
        <source>To hide your address from the relay, connect through Tor: run Tor Browser or the Tor service and enter socks5://127.0.0.1:9050 (Tor Browser: port 9150). Leave empty to connect directly. With a proxy set, Majlis never connects without it.</source>
        <translation>لإخفاء عنوانك عن الخادم الوسيط، اتصل عبر شبكة Tor: شغّل متصفح Tor أو خدمة Tor واكتب ⁦socks5://127.0.0.1:9050⁩ (مع متصفح Tor: المنفذ 9150). اتركه فارغًا للاتصال مباشرة. إن حدّدت وكيلًا فلن يتصل مجلس أبدًا من دونه.</translation>
    </message>
    <message>
        <source>&amp;Look for rooms on this network</source>
        <translation>ا&amp;بحث عن غرف على هذه الشبكة</translation>
    </message>
    <message>
        <source>Other devices on this network can see that this computer is looking for Majlis rooms.</source>
        <translation>تستطيع الأجهزة الأخرى على هذه الشبكة أن ترى أن هذا الحاسوب يبحث عن غرف مجلس.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>ال&amp;لغة:</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>اللغة</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>لغة النظام</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>ال&amp;سمة:</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>السمة</translation>
    </message>
    <message>
        <source>Like the system</source>
        <translation>مثل النظام</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>فاتحة</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>داكنة</translation>
    </message>
    <message>
        <source>Your &amp;name in rooms:</source>
        <translation>ا&amp;سمك في الغرف:</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>اسمك</translation>
    </message>
    <message>
        <source>Only people in the same room see it. A room you are in keeps the name you joined with.</source>
        <translation>لا يراه إلا من في الغرفة نفسها. الغرفة التي أنت فيها تحتفظ بالاسم الذي انضممت به.</translation>
    </message>
    <message>
        <source>&amp;Remember my name and settings on this computer</source>
        <translation>ت&amp;ذكَّر اسمي وإعداداتي على هذا الحاسوب</translation>
    </message>
    <message>
        <source>&amp;Keep my identity on this computer</source>
        <translation>احتفظ ب&amp;هويتي على هذا الحاسوب</translation>
    </message>
    <message>
        <source>Majlis never saves rooms, invite links, who was there or anything that was said. With both boxes off it saves nothing at all: someone who searches this computer finds no Majlis settings.</source>
        <translation>لا يحفظ مجلس أبدًا الغرف ولا روابط الدعوة ولا من حضر ولا أي شيء قيل. وإذا ألغيت تحديد الخانتين فلن يحفظ شيئًا على الإطلاق: من يفتّش هذا الحاسوب لن يجد أي إعدادات لمجلس.</translation>
    </message>
    <message>
        <source>&amp;Forget everything on this computer</source>
        <translation>ا&amp;مسح كل شيء من هذا الحاسوب</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>إلغاء</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>ا&amp;حفظ</translation>
    </message>
</context>
<context>
    <name>StartRoomDialog</name>
    <message>
        <source>A relay address starts with wss:// (or ws://) and names a server.</source>
        <translation>يبدأ عنوان الخادم الوسيط بـ ⁦wss://⁩ (أو ⁦ws://⁩) ويليه اسم الخادم.</translation>
    </message>
    <message>
        <source>An invite can list at most %1 relays.</source>
        <translation>يمكن أن تضم الدعوة %1 خوادم وسيطة على الأكثر.</translation>
    </message>
    <message>
        <source>Start a room</source>
        <translation>ابدأ غرفة</translation>
    </message>
    <message>
        <source>Room &amp;name:</source>
        <translation>ا&amp;سم الغرفة:</translation>
    </message>
    <message>
        <source>Room name</source>
        <translation>اسم الغرفة</translation>
    </message>
    <message>
        <source>Only people in the room see it.</source>
        <translation>لا يراه إلا من في الغرفة.</translation>
    </message>
    <message>
        <source>&amp;Topic:</source>
        <translation>ال&amp;موضوع:</translation>
    </message>
    <message>
        <source>Topic (optional)</source>
        <translation>الموضوع (اختياري)</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>أين</translation>
    </message>
    <message>
        <source>This network: no &amp;internet needed</source>
        <translation>هذه ال&amp;شبكة: لا حاجة إلى الإنترنت</translation>
    </message>
    <message>
        <source>Show the room&apos;s name to &amp;others on this network</source>
        <translation>أظهِر اسم الغرفة للآخرين على &amp;هذه الشبكة</translation>
    </message>
    <message>
        <source>I approve each person in a &amp;waiting room</source>
        <translation>أ&amp;وافق على كل شخص في غرفة انتظار</translation>
    </message>
    <message>
        <source>The room runs on this computer and people on the same Wi-Fi or cable network join it directly.</source>
        <translation>تعمل الغرفة على هذا الحاسوب، وينضم إليها مباشرةً من هم على شبكة الواي فاي أو الشبكة السلكية نفسها.</translation>
    </message>
    <message>
        <source>Off: others on the network see only that a room exists. Either way, nobody gets in without the invite link.</source>
        <translation>إن كان معطّلًا: لا يرى الآخرون على الشبكة إلا أن هناك غرفة. وفي الحالتين لا يدخل أحد من دون رابط الدعوة.</translation>
    </message>
    <message>
        <source>A &amp;relay on the internet</source>
        <translation>&amp;خادم وسيط على الإنترنت</translation>
    </message>
    <message>
        <source>For people in different places. The relay passes on encrypted audio it cannot read.</source>
        <translation>لأشخاص في أماكن مختلفة. ينقل الخادم الوسيط صوتًا مشفّرًا لا يستطيع قراءته.</translation>
    </message>
    <message>
        <source>Relay address (wss://…)</source>
        <translation>عنوان الخادم الوسيط: ⁦wss://…⁩</translation>
    </message>
    <message>
        <source>Several addresses, separated by spaces, go into the invite in order: when one is blocked or down, everyone moves on to the next.</source>
        <translation>تدخل العناوين المتعددة، مفصولةً بمسافات، في الدعوة بالترتيب: إذا حُجب أحدها أو توقف، انتقل الجميع إلى التالي.</translation>
    </message>
    <message>
        <source>Only this &amp;computer (to try Majlis out)</source>
        <translation>هذا ال&amp;حاسوب فقط (لتجربة مجلس)</translation>
    </message>
    <message>
        <source>Who gets in</source>
        <translation>من يدخل</translation>
    </message>
    <message>
        <source>&amp;Anyone with the invite link</source>
        <translation>&amp;كل من لديه رابط الدعوة</translation>
    </message>
    <message>
        <source>You see each person&apos;s name and key fingerprint before they come in.</source>
        <translation>ترى اسم كل شخص وبصمة مفتاحه قبل أن يدخل.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>إلغاء</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>ا&amp;بدأ</translation>
    </message>
</context>
<context>
    <name>WaitingPanel</name>
    <message numerus="yes">
        <source>%n waiting to come in</source>
        <translation>
            <numerusform>لا أحد ينتظر الدخول</numerusform>
            <numerusform>شخص واحد ينتظر الدخول</numerusform>
            <numerusform>شخصان ينتظران الدخول</numerusform>
            <numerusform>%n أشخاص ينتظرون الدخول</numerusform>
            <numerusform>%n شخصًا ينتظرون الدخول</numerusform>
            <numerusform>%n شخص ينتظرون الدخول</numerusform>
        </translation>
    </message>
    <message>
        <source>People waiting to come in</source>
        <translation>أشخاص ينتظرون الدخول</translation>
    </message>
    <message>
        <source>&amp;Let in</source>
        <translation>أدخِ&amp;له</translation>
    </message>
    <message>
        <source>&amp;Turn away</source>
        <translation>ا&amp;رفض</translation>
    </message>
</context>
</TS>
