//! The word lists of the labelled posts of [`crate::labelled`]: the names of the media outlets, the
//! made-up file hosts, the parts of a release notice, the shared lists that the templates of
//! [`crate::labelled_templates`] name as slots (days, places, sources, greetings, findings), and the
//! hashtags and emoji of each category.
//!
//! Everything here is synthetic and written for testing the detector. The release-notice parts describe
//! distribution mechanics only (release wording, part numbers, download and mirror links, "share before it
//! is deleted"). The outlet names are the publicly documented names used as they appear in news reports
//! and research. Every host is on a domain reserved by RFC 2606 (`example.com`, `example.net`,
//! `example.org` and the `.example` top-level domain).
//!
//! `{name}` placeholders are filled by [`fill`]; `{link}` marks where a link segment goes.

use crate::labelled::Category;
use crate::rng::Rng;
use crate::text::Lang;

/// What kind of outlet a name belongs to, which decides how its releases are described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutletKind {
    /// A news agency that publishes short bulletins and statements.
    Agency,
    /// A media centre or foundation that publishes videos and series.
    Studio,
    /// A weekly newsletter published as numbered issues.
    Newsletter,
}

/// A media outlet as its name appears in news reports and research.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outlet {
    /// Latin spellings, the most common first.
    pub latin: &'static [&'static str],
    /// Arabic spellings, the most common first.
    pub arabic: &'static [&'static str],
    /// An Arabic spelling stretched with tatweel (U+0640), as posts write it to slip past exact matching.
    pub arabic_stretched: &'static str,
    /// What the outlet publishes.
    pub kind: OutletKind,
}

/// The outlets, by their publicly documented names.
pub(crate) const OUTLETS: &[Outlet] = &[
    Outlet {
        latin: &["Amaq", "Amaq News Agency", "A'maq", "Amaq agency"],
        arabic: &["أعماق", "وكالة أعماق", "اعماق"],
        arabic_stretched: "أعمـــاق",
        kind: OutletKind::Agency,
    },
    Outlet {
        latin: &[
            "al-Hayat Media Center",
            "Al Hayat Media Centre",
            "al-Hayat Media",
        ],
        arabic: &["مركز الحياة للإعلام", "مركز الحياة"],
        arabic_stretched: "مركز الحيـــاة للإعلام",
        kind: OutletKind::Studio,
    },
    Outlet {
        latin: &["al-Furqan", "Al Furqan Foundation", "al-Furqan Media"],
        arabic: &["مؤسسة الفرقان", "الفرقان"],
        arabic_stretched: "مؤسسة الفرقــان",
        kind: OutletKind::Studio,
    },
    Outlet {
        latin: &["al-Naba", "An-Naba", "al-Naba weekly"],
        arabic: &["النبأ", "صحيفة النبأ", "النبا"],
        arabic_stretched: "النبـــأ",
        kind: OutletKind::Newsletter,
    },
    Outlet {
        latin: &["As-Sahab", "As Sahab Media", "al-Sahab"],
        arabic: &["السحاب", "مؤسسة السحاب"],
        arabic_stretched: "السحـــاب",
        kind: OutletKind::Studio,
    },
];

/// Lower-case fragments that name an outlet once zero-width characters and tatweel are removed; the
/// tests use them to check that every positive names an outlet and that ordinary posts never do.
pub(crate) const OUTLET_NEEDLES: &[&str] = &[
    "amaq",
    "a'maq",
    "hayat",
    "furqan",
    "naba",
    "sahab",
    "أعماق",
    "اعماق",
    "مركز الحياة",
    "الفرقان",
    "النبأ",
    "النبا",
    "السحاب",
];

/// A made-up file host: `(domain, weight, note, path shape)`. In the path shape `{id}` is a random
/// token and `{file}` a file name.
pub(crate) const FILE_HOSTS: &[(&str, &str, &str, &str)] = &[
    (
        "files.example.net",
        "1.0",
        "made-up anonymous file host with short /d/ links",
        "d/{id}",
    ),
    (
        "upload.example.org",
        "0.9",
        "made-up upload site; links carry the file name",
        "f/{id}/{file}",
    ),
    (
        "dl.mirror.example",
        "1.0",
        "made-up mirror network used for re-uploads",
        "{id}/{file}",
    ),
    (
        "share.example.net",
        "0.8",
        "made-up file sharing service",
        "s/{id}",
    ),
    (
        "drop.files.example",
        "0.9",
        "made-up drop box with expiring links",
        "get/{id}",
    ),
    (
        "cloud.example.org",
        "0.6",
        "made-up general cloud storage; mostly ordinary use",
        "file/{id}",
    ),
    (
        "paste.example.net",
        "0.5",
        "made-up paste site where lists of links are posted",
        "p/{id}",
    ),
];

/// Made-up file names for file-host links, by outlet kind; `{n}` is a part or issue number.
pub(crate) fn file_names(kind: OutletKind) -> &'static [&'static str] {
    match kind {
        OutletKind::Agency => &["bulletin_{n}.mp4", "release_{n}.zip", "statement_{n}.pdf"],
        OutletKind::Studio => &[
            "part{n}.mp4",
            "ep{n}_hd.mp4",
            "release_{n}.zip",
            "part{n}.rar",
        ],
        OutletKind::Newsletter => &["issue_{n}.pdf", "issue{n}.zip", "n{n}.pdf"],
    }
}

/// Made-up campaign hashtags of distribution posts, without `#`.
pub(crate) fn campaign_tags(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "new_release",
            "release_2024",
            "mirror_links",
            "dl_links",
            "weekly_issue",
            "backup_links",
            "reupload",
        ],
        Lang::Fr => &[
            "nouvelle_parution",
            "parution_2024",
            "liens_miroirs",
            "telechargement",
            "sauvegarde",
            "reupload",
        ],
        Lang::Ar => &[
            "الإصدار_الجديد",
            "روابط_بديلة",
            "تحميل_مباشر",
            "إصدارات_2024",
            "نشر_واسع",
            "العدد_الجديد",
        ],
    }
}

/// The opening words of a release notice.
pub(crate) fn release_heads(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "New release",
            "NEW RELEASE",
            "new release",
            "Just released",
            "Out now",
            "Re-upload",
            "New upload",
            "Now available",
        ],
        Lang::Fr => &[
            "Nouvelle parution",
            "NOUVELLE PARUTION",
            "nouvelle parution",
            "Vient de paraître",
            "Disponible",
            "Nouvel envoi",
            "Nouvelle parution dispo",
        ],
        Lang::Ar => &[
            "إصدار جديد",
            "اصدار جديد",
            "جديد",
            "متوفر الآن",
            "إعادة رفع",
            "نشر جديد",
        ],
    }
}

/// What was released, by outlet kind: neutral words for the format only.
pub(crate) fn release_kinds(lang: Lang, kind: OutletKind) -> &'static [&'static str] {
    match (lang, kind) {
        (Lang::En, OutletKind::Agency) => &["bulletin", "video", "statement", "infographic"],
        (Lang::En, OutletKind::Studio) => &["video", "film", "series", "audio"],
        (Lang::En, OutletKind::Newsletter) => &["weekly issue", "issue", "PDF edition"],
        (Lang::Fr, OutletKind::Agency) => &["bulletin", "vidéo", "communiqué", "infographie"],
        (Lang::Fr, OutletKind::Studio) => &["vidéo", "film", "série", "audio"],
        (Lang::Fr, OutletKind::Newsletter) => &["numéro hebdomadaire", "numéro", "édition PDF"],
        (Lang::Ar, OutletKind::Agency) => &["نشرة", "فيديو", "بيان", "إنفوغرافيك"],
        (Lang::Ar, OutletKind::Studio) => &["فيديو", "فيلم", "سلسلة", "تسجيل صوتي"],
        (Lang::Ar, OutletKind::Newsletter) => &["العدد الأسبوعي", "عدد", "نسخة PDF"],
    }
}

/// Part and issue numbers: `{n}` is the number, `{m}` the number of parts.
pub(crate) fn part_labels(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Part {n}",
            "part {n}/{m}",
            "Episode {n}",
            "ep. {n}",
            "No. {n}",
            "issue {n}",
            "pt {n} of {m}",
        ],
        Lang::Fr => &[
            "Partie {n}",
            "partie {n}/{m}",
            "Épisode {n}",
            "ép. {n}",
            "n°{n}",
            "numéro {n}",
        ],
        Lang::Ar => &[
            "الجزء {n}",
            "الحلقة {n}",
            "العدد {n}",
            "ج{n}",
            "الجزء {n} من {m}",
        ],
    }
}

/// Technical details that often follow a release's name.
pub(crate) const QUALITY: &[&str] = &[
    "HD", "1080p", "720p", "(mp4)", "(PDF)", "[zip]", "(240 MB)", "(1.2 GB)", "FHD",
];

/// The words in front of a link.
pub(crate) fn link_labels(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Download:",
            "download",
            "DL:",
            "Mirror:",
            "Mirror 1:",
            "Mirror 2:",
            "Backup:",
            "Link:",
            "Direct link:",
            "alt link",
        ],
        Lang::Fr => &[
            "Téléchargez :",
            "Téléchargement :",
            "telechargez",
            "Miroir :",
            "Miroir 2 :",
            "Lien :",
            "Lien direct :",
            "Lien de secours :",
        ],
        Lang::Ar => &[
            "تحميل:",
            "رابط التحميل:",
            "رابط بديل:",
            "رابط مباشر:",
            "رابط احتياطي:",
            "الرابط:",
        ],
    }
}

/// The calls that close a distribution post: copy, mirror, share quickly.
pub(crate) fn share_calls(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Share before it is deleted",
            "share before it gets deleted",
            "Repost before it's taken down",
            "Links go down fast, save a copy",
            "More mirrors coming if these die",
            "Reupload if the link is dead",
            "Pass it on",
            "download and share before deletion",
        ],
        Lang::Fr => &[
            "Partagez avant suppression",
            "partagez avant la suppression",
            "Sauvegardez une copie, les liens tombent vite",
            "D'autres miroirs suivront",
            "Faites tourner",
            "Republiez si le lien est mort",
            "téléchargez et partagez avant suppression",
        ],
        Lang::Ar => &[
            "انشروا قبل الحذف",
            "انشروا قبل أن يحذف",
            "احفظوا نسخة فالروابط تحذف بسرعة",
            "روابط أخرى قريبا إذا تعطلت هذه",
            "أعيدوا الرفع إذا تعطل الرابط",
            "حملوا وانشروا قبل الحذف",
        ],
    }
}

/// Where the links are when a post carries none: the reader is sent elsewhere.
pub(crate) fn links_elsewhere(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "links in the comments",
            "link in bio",
            "mirrors in the channel",
        ],
        Lang::Fr => &[
            "liens en commentaire",
            "lien en bio",
            "miroirs sur la chaîne",
        ],
        Lang::Ar => &[
            "الروابط في التعليقات",
            "الرابط في الوصف",
            "الروابط البديلة في القناة",
        ],
    }
}

/// Emoji of distribution posts.
pub(crate) const DISTRIBUTION_EMOJI: &[&str] = &["🔴", "📥", "🆕", "⬇️", "📁", "🎬", "🔗", "‼️"];

/// Who a news report attributes its information to; in Arabic, the forms that follow a preposition.
pub(crate) fn news_sources(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "officials",
            "a government spokesperson",
            "local officials",
            "security sources",
            "monitoring groups",
            "analysts",
            "a news agency",
            "regional media",
        ],
        Lang::Fr => &[
            "des sources officielles",
            "les autorités",
            "un porte-parole du gouvernement",
            "des sources sécuritaires",
            "des observateurs",
            "des analystes",
            "une agence de presse",
            "la presse régionale",
        ],
        Lang::Ar => &[
            "مصادر رسمية",
            "وسائل إعلام محلية",
            "مصادر أمنية",
            "مراقبين",
            "محللين",
            "وكالة أنباء",
            "متحدث حكومي",
        ],
    }
}

/// Arabic sources that can be the subject of a feminine verb (ذكرت، أفادت).
pub(crate) const AR_NEWS_SUBJECTS: &[&str] = &[
    "مصادر رسمية",
    "وسائل إعلام محلية",
    "مصادر أمنية",
    "وكالة أنباء",
];

/// Vague places for news reports.
pub(crate) fn news_places(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "the region",
            "the province",
            "the northern district",
            "the border area",
            "the capital",
        ],
        Lang::Fr => &[
            "la région",
            "la province",
            "le district nord",
            "la zone frontalière",
            "la capitale",
        ],
        Lang::Ar => &[
            "المنطقة",
            "المحافظة",
            "المنطقة الحدودية",
            "شمال البلاد",
            "العاصمة",
        ],
    }
}

/// Days of the week as a news report writes them.
pub(crate) fn days(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ],
        Lang::Fr => &[
            "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
        ],
        Lang::Ar => &[
            "الاثنين",
            "الثلاثاء",
            "الأربعاء",
            "الخميس",
            "الجمعة",
            "السبت",
            "الأحد",
        ],
    }
}

/// The words in front of a link to the full article.
pub(crate) fn read_more(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &["Read more:", "Full story:", "More:", "Details:"],
        Lang::Fr => &["Lire la suite :", "L'article :", "Détails :"],
        Lang::Ar => &["التفاصيل:", "اقرأ المزيد:", "الخبر كاملا:"],
    }
}

/// Hashtags of news posts, without `#`.
pub(crate) fn news_tags(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &["news", "breaking", "factcheck", "world"],
        Lang::Fr => &["info", "actualite", "international"],
        Lang::Ar => &["عاجل", "أخبار", "تقارير"],
    }
}

/// Findings of research posts.
pub(crate) fn findings(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "a steady drop in output",
            "that most links were removed within hours",
            "heavy reuse of the same file hosts",
            "that releases now appear in several languages at once",
            "a shift towards smaller platforms",
            "that takedowns cut reach by more than half",
            "that glorifying posts spike in the days after each claimed attack",
            "that recruiters move conversations to private chats quickly",
            "that most pledges of allegiance are copied from a handful of texts",
            "that counter-speech reaches fewer people than the posts it answers",
        ],
        Lang::Fr => &[
            "une baisse régulière de la production",
            "la plupart des liens sont retirés en quelques heures",
            "une forte réutilisation des mêmes hébergeurs",
            "un déplacement vers de petites plateformes",
            "les retraits réduisent la portée de plus de moitié",
            "les messages de glorification culminent dans les jours qui suivent chaque attaque revendiquée",
            "les recruteurs basculent vite vers des messageries privées",
            "la plupart des allégeances sont copiées de quelques textes",
            "le contre-discours touche moins de monde que les messages auxquels il répond",
        ],
        Lang::Ar => &[
            "تراجع مستمر في الإنتاج",
            "معظم الروابط تحذف خلال ساعات",
            "إعادة استخدام مواقع رفع الملفات نفسها",
            "انتقال نحو منصات أصغر",
            "الحذف يقلل الانتشار بأكثر من النصف",
            "منشورات التمجيد تبلغ ذروتها في الأيام التي تلي كل هجوم متبنى",
            "المجندون ينقلون المحادثات بسرعة إلى الرسائل الخاصة",
            "معظم نصوص البيعة منسوخة من نصوص قليلة",
            "الخطاب المضاد يصل إلى عدد أقل من المنشورات التي يرد عليها",
        ],
    }
}

/// Hashtags of research posts, without `#`.
pub(crate) fn research_tags(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &["research", "OSINT", "trustandsafety", "openaccess"],
        Lang::Fr => &["recherche", "OSINT", "moderation"],
        Lang::Ar => &["بحث", "دراسات", "الإعلام_الرقمي"],
    }
}

/// Hashtags of counter-speech, without `#`.
pub(crate) fn counter_tags(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &["report_dont_share", "dontamplify", "reportit"],
        Lang::Fr => &["signalez", "ne_partagez_pas"],
        Lang::Ar => &["بلغ_ولا_تنشر", "لا_تنشروا"],
    }
}

/// Emoji of counter-speech.
pub(crate) const COUNTER_EMOJI: &[&str] = &["🚫", "⚠️", "🙅", "🛑"];

/// Religious greetings.
pub(crate) fn greetings(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Ramadan Mubarak",
            "Ramadan Kareem",
            "Jumu'ah Mubarak",
            "Eid Mubarak",
            "Blessed Friday",
            "Eid al-Adha Mubarak",
        ],
        Lang::Fr => &[
            "Ramadan Moubarak",
            "Ramadan Karim",
            "Joumou'a Moubaraka",
            "Aïd Moubarak",
            "Bon vendredi",
            "Aïd el-Kébir Moubarak",
        ],
        Lang::Ar => &[
            "رمضان كريم",
            "رمضان مبارك",
            "جمعة مباركة",
            "عيد مبارك",
            "عيد أضحى مبارك",
            "كل عام وأنتم بخير",
        ],
    }
}

/// Who a greeting is addressed to.
pub(crate) fn addressees(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "to everyone celebrating",
            "to all my friends and neighbours",
            "from our family to yours",
            "to everyone at the community centre",
        ],
        Lang::Fr => &[
            "à tous ceux qui le célèbrent",
            "à toute la famille et aux voisins",
            "de notre famille à la vôtre",
            "à tout le quartier",
        ],
        Lang::Ar => &[
            "لكل الأهل والأصدقاء",
            "لجميع الجيران",
            "من عائلتنا إلى عائلاتكم",
            "لكل أهل الحي",
        ],
    }
}

/// Wishes and prayers.
pub(crate) fn wishes(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "May your fasts be easy and your prayers accepted.",
            "Wishing you peace, health and joy.",
            "May this Friday bring calm and blessings to your home.",
            "Don't forget to check on elderly neighbours this week.",
            "Grateful for every iftar shared with friends.",
            "May God accept our prayers and good deeds.",
        ],
        Lang::Fr => &[
            "Que vos jeûnes soient faciles et vos prières acceptées.",
            "Paix, santé et joie à tous.",
            "Que ce vendredi apporte sérénité et bénédictions à vos foyers.",
            "Pensez à prendre des nouvelles des voisins âgés cette semaine.",
            "Reconnaissant pour chaque iftar partagé entre amis.",
            "Que Dieu accepte nos prières et nos bonnes actions.",
        ],
        Lang::Ar => &[
            "تقبل الله صيامكم وقيامكم.",
            "نسأل الله لكم الصحة والسعادة.",
            "جعلها الله جمعة خير وبركة على بيوتكم.",
            "لا تنسوا السؤال عن كبار السن من الجيران هذا الأسبوع.",
            "الحمد لله على كل إفطار جمعنا بالأحبة.",
            "تقبل الله منا ومنكم صالح الأعمال.",
        ],
    }
}

/// Community notices of religious posts: `{day}`, `{venue}`, and `{link}` to a made-up page.
pub(crate) fn community_notices(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "Community iftar on {day} at the {venue}, everyone is welcome.",
            "Our food bank collection for Ramadan is open until {day}, every little bit helps.",
            "Prayer times for this week are on the noticeboard and at {link}",
            "Volunteers needed for the Eid breakfast on {day} at the {venue}.",
            "Charity bake sale after Friday prayers, proceeds go to the local shelter.",
        ],
        Lang::Fr => &[
            "Iftar solidaire {day} à la {venue}, tout le monde est bienvenu.",
            "La collecte alimentaire du Ramadan est ouverte jusqu'à {day}, chaque don compte.",
            "Les horaires de prière de la semaine sont affichés et sur {link}",
            "On cherche des bénévoles pour le petit-déjeuner de l'Aïd {day} à la {venue}.",
            "Vente de gâteaux solidaire après la prière du vendredi, au profit du foyer du quartier.",
        ],
        Lang::Ar => &[
            "إفطار جماعي يوم {day} في {venue} والدعوة عامة.",
            "حملة جمع التبرعات الغذائية لرمضان مستمرة حتى يوم {day}، كل مساهمة تفرق.",
            "مواقيت الصلاة لهذا الأسبوع على لوحة الإعلانات وعلى {link}",
            "نحتاج متطوعين لفطور العيد يوم {day} في {venue}.",
            "سوق خيري بعد صلاة الجمعة لصالح جمعية الحي.",
        ],
    }
}

/// Where community events take place.
pub(crate) fn venues(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &["community centre", "mosque hall", "library", "school gym"],
        Lang::Fr => &[
            "salle municipale",
            "maison de quartier",
            "salle de la mosquée",
            "médiathèque",
        ],
        Lang::Ar => &[
            "قاعة الحي",
            "المركز الثقافي",
            "قاعة المسجد",
            "المكتبة العامة",
        ],
    }
}

/// Hashtags of religious posts, without `#`.
pub(crate) fn religious_tags(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &["RamadanMubarak", "EidMubarak", "JummahMubarak", "community"],
        Lang::Fr => &["RamadanMoubarak", "AidMoubarak", "solidarite"],
        Lang::Ar => &["رمضان_كريم", "جمعة_مباركة", "عيد_مبارك"],
    }
}

/// Emoji of religious posts.
pub(crate) const RELIGIOUS_EMOJI: &[&str] = &["🌙", "🤲", "✨", "🕌", "💚", "🌟"];

/// Hashtags of the categories that have no list of their own above, without `#`. The violating ones are
/// made-up or generic words of each category's vocabulary; several are shared with the hard negatives.
pub(crate) fn category_tags(lang: Lang, category: Category) -> &'static [&'static str] {
    match (lang, category) {
        (_, Category::Distribution) => campaign_tags(lang),
        (_, Category::News) => news_tags(lang),
        (_, Category::Research) => research_tags(lang),
        (_, Category::CounterSpeech) => counter_tags(lang),
        (_, Category::Religious) => religious_tags(lang),
        (Lang::En, Category::Glorification) => &[
            "shaheed",
            "shuhada",
            "blessed_raid",
            "lions_of_the_khilafah",
        ],
        (Lang::Fr, Category::Glorification) => &["chahid", "chouhada", "lions_du_califat"],
        (Lang::Ar, Category::Glorification) => &["الشهداء", "غزوة_مباركة", "تقبله_الله"],
        (Lang::En, Category::Support) => &["baqiya", "khilafah", "dawlah", "bayah"],
        (Lang::Fr, Category::Support) => &["baqiya", "khilafa", "dawla"],
        (Lang::Ar, Category::Support) => &["باقية_وتتمدد", "الخلافة", "البيعة"],
        (Lang::En, Category::Recruitment) => &["hijrah", "join_the_caravan", "answer_the_call"],
        (Lang::Fr, Category::Recruitment) => &["hijra", "rejoins_la_caravane", "khilafa"],
        (Lang::Ar, Category::Recruitment) => &["الهجرة", "انفروا", "قافلة_المجاهدين"],
        (Lang::En, Category::Incitement) => &["revenge", "rise_up", "dawlah"],
        (Lang::Fr, Category::Incitement) => &["vengeance", "levez_vous", "dawla"],
        (Lang::Ar, Category::Incitement) => &["الثأر", "انهضوا", "الدولة_الإسلامية"],
        (Lang::En, Category::ActivismPolitics) => {
            &["solidarity", "vote", "climatestrike", "strike"]
        }
        (Lang::Fr, Category::ActivismPolitics) => &["solidarite", "greve", "manif", "votez"],
        (Lang::Ar, Category::ActivismPolitics) => &["تضامن", "إضراب", "صوتك_مهم"],
        (Lang::En, Category::GamingSports) => &["gaming", "esports", "FPS", "matchday", "ranked"],
        (Lang::Fr, Category::GamingSports) => &["gaming", "esport", "foot", "ranked"],
        (Lang::Ar, Category::GamingSports) => &["ألعاب", "كورة", "رانكد"],
        (Lang::En, Category::OsintModeration) => &["OSINT", "trustandsafety", "contentmoderation"],
        (Lang::Fr, Category::OsintModeration) => &["OSINT", "moderation", "signalement"],
        (Lang::Ar, Category::OsintModeration) => &["رصد", "الإشراف_على_المحتوى", "بلغ_ولا_تنشر"],
        (Lang::En, Category::FileLinks) => &["download", "podcast", "release", "photos"],
        (Lang::Fr, Category::FileLinks) => &["telechargement", "podcast", "photos"],
        (Lang::Ar, Category::FileLinks) => &["تحميل", "بودكاست", "صور"],
        (Lang::En, Category::Everyday) => &["weekend", "family", "mondaymood", "foodie"],
        (Lang::Fr, Category::Everyday) => &["weekend", "famille", "lundi"],
        (Lang::Ar, Category::Everyday) => &["يوميات", "العائلة", "الويكند"],
    }
}

/// Emoji of each category; some are shared between violating posts and hard negatives (🔥, ☝️, 🌹).
pub(crate) fn category_emoji(category: Category) -> &'static [&'static str] {
    match category {
        Category::Distribution => DISTRIBUTION_EMOJI,
        Category::CounterSpeech => COUNTER_EMOJI,
        Category::Religious => RELIGIOUS_EMOJI,
        Category::Glorification => &["🦁", "🌹", "☝️", "🏴", "💚", "🕊️"],
        Category::Support => &["☝️", "🏴", "💪", "🤲", "⚔️"],
        Category::Recruitment => &["🏴", "☝️", "🐎", "🌄", "📩"],
        Category::Incitement => &["⚔️", "🔥", "🩸", "🏴", "💥"],
        Category::News => &["📰", "🔴", "⚡"],
        Category::Research => &["📊", "📄", "🧵"],
        Category::ActivismPolitics => &["✊", "📢", "🗳️", "🔥"],
        Category::GamingSports => &["🎮", "🔥", "💥", "⚽", "🏆", "🎯"],
        Category::OsintModeration => &["🚩", "🛑", "⚠️", "🔎"],
        Category::FileLinks => &["📎", "📁", "⬇️", "🎧"],
        Category::Everyday => &["😊", "☀️", "👍", "😂", "🌹"],
    }
}

/// Made-up names of ordinary files shared through file hosts; `{n}` is a number.
pub(crate) const ORDINARY_FILES: &[&str] = &[
    "slides_{n}.pdf",
    "photos_{n}.zip",
    "episode{n}.mp3",
    "setup_{n}.zip",
    "newsletter_{n}.pdf",
    "match_{n}.mp4",
];

/// Stems of the made-up accounts that post the labelled posts of the corpus, by pool.
pub(crate) const DISTRIBUTOR_STEMS: &[&str] = &[
    "files_relay",
    "mirror_box",
    "dl_archive",
    "upload_desk",
    "backup_links",
    "link_depot",
];
/// Stems of the accounts that post the other violating categories (made up, neutral words).
pub(crate) const SUPPORTER_STEMS: &[&str] = &["night_ink", "far_echo", "qalam_relay", "anon_voice"];
/// Stems of newsroom accounts.
pub(crate) const NEWSROOM_STEMS: &[&str] = &["newsdesk", "wire_watch", "actu_monde", "akhbar_now"];
/// Stems of research accounts.
pub(crate) const RESEARCH_STEMS: &[&str] = &["online_harms_lab", "media_research", "osint_notes"];
/// Stems of counter-speech accounts.
pub(crate) const COUNTER_STEMS: &[&str] =
    &["community_voices", "report_not_share", "voix_du_quartier"];
/// Stems of ordinary accounts.
pub(crate) const ORDINARY_STEMS: &[&str] = &[
    "daily_notes",
    "quartier_vivant",
    "yawmiyat",
    "family_corner",
];

/// Replaces each `{key}` of `template` by its value; unknown placeholders are left as they are.
pub(crate) fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in vars {
        let needle = format!("{{{key}}}");
        if out.contains(&needle) {
            out = out.replace(&needle, value);
        }
    }
    out
}

/// Western digits to Arabic-Indic digits.
pub(crate) fn arabic_indic(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// Whether a post in `lang` writes its numbers in Arabic-Indic digits: about 40 % of Arabic posts do.
pub(crate) fn indic_digits(rng: &mut Rng, lang: Lang) -> bool {
    lang == Lang::Ar && rng.chance(400)
}

/// `n` in Western or, when `indic`, Arabic-Indic digits.
pub(crate) fn number(indic: bool, n: u64) -> String {
    let s = n.to_string();
    if indic { arabic_indic(&s) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_every_occurrence() {
        assert_eq!(
            fill("{a} and {a} {b} {c}", &[("a", "x"), ("b", "y")]),
            "x and x y {c}"
        );
        assert_eq!(arabic_indic("2024"), "٢٠٢٤");
    }

    #[test]
    fn outlet_spellings_are_covered_by_the_needles() {
        let covered = |s: &str| {
            let s: String = s
                .chars()
                .filter(|&c| c != '\u{0640}')
                .collect::<String>()
                .to_lowercase();
            OUTLET_NEEDLES.iter().any(|n| s.contains(n))
        };
        for o in OUTLETS {
            for name in o.latin.iter().chain(o.arabic) {
                assert!(covered(name), "{name}");
            }
            assert!(covered(o.arabic_stretched), "{}", o.arabic_stretched);
            assert!(o.arabic_stretched.contains('\u{0640}'));
        }
    }

    #[test]
    fn no_ordinary_phrase_names_an_outlet() {
        for lang in [Lang::En, Lang::Fr, Lang::Ar] {
            for list in [
                greetings(lang),
                addressees(lang),
                wishes(lang),
                community_notices(lang),
                venues(lang),
                religious_tags(lang),
                days(lang),
                category_tags(lang, Category::Everyday),
                category_tags(lang, Category::GamingSports),
                category_tags(lang, Category::ActivismPolitics),
                category_tags(lang, Category::FileLinks),
            ] {
                for s in list {
                    let lower = s.to_lowercase();
                    assert!(!OUTLET_NEEDLES.iter().any(|n| lower.contains(n)), "{s}");
                }
            }
        }
    }
}
