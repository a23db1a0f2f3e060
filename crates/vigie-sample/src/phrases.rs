//! The word lists and sentence templates that synthetic post texts are built from: everyday, benign
//! topics (weather, markets, football, cooking, transport, local news) in French, English and Arabic.
//!
//! Place names are real towns; clubs, streets, districts and accounts are invented. Nothing here names a
//! real person, and nothing here may ever describe violence or extremism: the corpus is the negative class.

use crate::rng::Rng;
use crate::text::{Lang, Topic};

const FR_CITIES: &[&str] = &[
    "Lyon", "Nantes", "Lille", "Rennes", "Dijon", "Brest", "Nancy", "Tours", "Annecy", "Pau",
    "Amiens", "Limoges",
];
const EN_CITIES: &[&str] = &[
    "Leeds", "Bristol", "Cardiff", "York", "Bath", "Dundee", "Norwich", "Exeter", "Derby", "Galway",
];
const AR_CITIES: &[&str] = &[
    "الرباط",
    "تونس",
    "عمّان",
    "الدوحة",
    "مسقط",
    "بيروت",
    "وهران",
    "صفاقس",
    "فاس",
    "الشارقة",
];

const FR_DAYS: &[&str] = &[
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const EN_DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const AR_DAYS: &[&str] = &[
    "الاثنين",
    "الثلاثاء",
    "الأربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
    "الأحد",
];

const FR_SKY: &[&str] = &[
    "grand soleil",
    "ciel couvert",
    "pluie fine",
    "belles éclaircies",
    "brouillard matinal",
    "averses",
    "vent frais",
];
const EN_SKY: &[&str] = &[
    "clear skies",
    "light rain",
    "overcast",
    "sunny spells",
    "morning fog",
    "scattered showers",
    "a cool breeze",
];
const AR_SKY: &[&str] = &[
    "سماء صافية",
    "غيوم متفرقة",
    "أمطار خفيفة",
    "رياح معتدلة",
    "ضباب صباحي",
];

const FR_PRODUCE: &[&str] = &[
    "tomates",
    "pommes",
    "clémentines",
    "courgettes",
    "poireaux",
    "carottes",
    "fraises",
    "poires",
];
const EN_PRODUCE: &[&str] = &[
    "tomatoes",
    "apples",
    "pears",
    "courgettes",
    "leeks",
    "carrots",
    "strawberries",
    "potatoes",
];
const AR_PRODUCE: &[&str] = &[
    "الطماطم",
    "البرتقال",
    "التمر",
    "البطاطس",
    "الليمون",
    "الخيار",
];

const FR_TEAMS: &[&str] = &[
    "FC Rivière",
    "US Colline",
    "AS Plateau",
    "Olympique du Port",
    "Stade des Pins",
    "Union des Prés",
];
const EN_TEAMS: &[&str] = &[
    "Riverside FC",
    "Hillview United",
    "Harbour Town",
    "Oakfield Rovers",
    "Meadow Athletic",
    "Lakeside Wanderers",
];
const AR_TEAMS: &[&str] = &[
    "نادي النخيل",
    "نادي الساحل",
    "فريق الوادي",
    "نادي الجبل",
    "فريق المدينة",
];

const FR_MATCH: &[&str] = &[
    "beau match",
    "quelle deuxième mi-temps",
    "le gardien a été décisif",
    "un nul mérité",
    "ambiance au top dans les tribunes",
];
const EN_MATCH: &[&str] = &[
    "great game",
    "what a second half",
    "the keeper was outstanding",
    "a fair draw",
    "brilliant atmosphere in the stands",
];
const AR_MATCH: &[&str] = &[
    "مباراة ممتعة",
    "أداء رائع من الحارس",
    "تعادل مستحق",
    "شوط ثان مثير",
];

const FR_DISHES: &[&str] = &[
    "soupe de potiron",
    "gratin de courgettes",
    "tarte aux pommes",
    "quiche aux poireaux",
    "crêpes",
    "ratatouille",
    "salade de lentilles",
];
const EN_DISHES: &[&str] = &[
    "pumpkin soup",
    "vegetable gratin",
    "apple crumble",
    "leek pie",
    "pancakes",
    "lentil salad",
    "tomato risotto",
];
const AR_DISHES: &[&str] = &[
    "شوربة العدس",
    "سلطة الخضار",
    "الأرز بالخضار",
    "الفلافل",
    "كعك بالتمر",
];

const FR_INGREDIENTS: &[&str] = &[
    "thym",
    "citron",
    "miel",
    "cumin",
    "basilic",
    "crème fraîche",
];
const EN_INGREDIENTS: &[&str] = &["thyme", "lemon", "honey", "cumin", "basil", "black pepper"];
const AR_INGREDIENTS: &[&str] = &["الكمون", "الليمون", "زيت الزيتون", "النعناع", "السمسم"];

const FR_STOPS: &[&str] = &[
    "Gare",
    "Mairie",
    "Université",
    "Hôpital",
    "Les Halles",
    "Parc des Expositions",
    "Pont Neuf",
];
const EN_STOPS: &[&str] = &[
    "Central Station",
    "Town Hall",
    "University",
    "Hospital",
    "Market Square",
    "Riverside",
    "Old Bridge",
];
const AR_STOPS: &[&str] = &["المحطة", "الجامعة", "المستشفى", "السوق المركزي", "البلدية"];

const FR_TRAFFIC: &[&str] = &[
    "trafic perturbé",
    "retards d'une dizaine de minutes",
    "service normal",
    "fréquence renforcée",
];
const EN_TRAFFIC: &[&str] = &[
    "minor delays",
    "delays of about ten minutes",
    "a normal service",
    "extra trams at peak times",
];
const FR_WORKS: &[&str] = &[
    "de travaux de voirie",
    "d'un marché de plein air",
    "d'une course à pied",
    "d'un vide-grenier",
];
const EN_WORKS: &[&str] = &[
    "roadworks",
    "an open-air market",
    "a fun run",
    "a car boot sale",
];
const AR_REASONS: &[&str] = &["أعمال الطرق", "الازدحام", "الصيانة الدورية", "سوق أسبوعي"];

const FR_DISTRICTS: &[&str] = &[
    "Saint-Michel",
    "Les Tilleuls",
    "Bellevue",
    "Centre-Ville",
    "Les Coteaux",
    "Port-Neuf",
];
const EN_DISTRICTS: &[&str] = &[
    "Northgate",
    "Elm Park",
    "Hillside",
    "Old Town",
    "Westbrook",
    "Marina",
];
const AR_DISTRICTS: &[&str] = &["النخيل", "الزهور", "الياسمين", "المركز", "الروضة"];

const FR_STREETS: &[&str] = &[
    "des Lilas",
    "du Moulin",
    "de la Gare",
    "des Écoles",
    "du Marché",
];
const EN_STREETS: &[&str] = &["Mill", "Station", "School", "Church", "Market"];

const FR_ACTIVITIES: &[&str] = &[
    "concerts",
    "jeux",
    "ateliers de jardinage",
    "brocante",
    "contes pour enfants",
];
const EN_ACTIVITIES: &[&str] = &[
    "live music",
    "games",
    "gardening workshops",
    "a book swap",
    "face painting",
];
const AR_ACTIVITIES: &[&str] = &["ألعاب", "حفلات موسيقية", "ورش رسم", "معرض كتب"];

/// Hashtags (without `#`) by language and topic, in [`Topic::ALL`] order.
const FR_TAGS: [&[&str]; 6] = [
    &["meteo", "pluie", "soleil"],
    &["marche", "produitsfrais", "economie"],
    &["football", "match", "foot_amateur"],
    &["cuisine", "recette", "faitmaison"],
    &["transport", "tram", "trafic"],
    &["actu_locale", "quartier", "sortir"],
];
const EN_TAGS: [&[&str]; 6] = [
    &["weather", "forecast", "rain"],
    &["markets", "farmersmarket", "prices"],
    &["football", "matchday", "grassroots"],
    &["cooking", "recipe", "homemade"],
    &["commute", "transport", "traffic"],
    &["localnews", "community", "weekend"],
];
const AR_TAGS: [&[&str]; 6] = [
    &["الطقس", "أمطار", "طقس_اليوم"],
    &["أسواق", "أسعار", "خضار"],
    &["كرة_القدم", "مباراة", "دوري_الأحياء"],
    &["مطبخ", "وصفة", "أكل_بيتي"],
    &["مواصلات", "حافلة", "زحمة"],
    &["أخبار_محلية", "الحي", "عطلة"],
];

/// Emoji by topic. Several lie outside the Basic Multilingual Plane, so offsets counted in UTF-16 units
/// differ from offsets counted in characters.
const EMOJI: [&[&str]; 6] = [
    &["🌧", "⛅", "🌤"],
    &["🍅", "🍎", "🧺"],
    &["⚽", "🏟"],
    &["🍲", "🥧", "🍋"],
    &["🚋", "🚌", "🚲"],
    &["📚", "🎶", "🌳"],
];

/// Path stems of the example links, by topic.
const LINK_PATHS: [&str; 6] = [
    "meteo",
    "marche",
    "sport",
    "recettes",
    "transport",
    "quartier",
];
const LINK_HOSTS: &[&str] = &["example.com", "example.org", "example.net"];

/// Western digits to Arabic-Indic digits, as many Arabic-language posts write them.
fn arabic_indic(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

fn price(rng: &mut Rng, sep: char) -> String {
    let cents = rng.range(80, 650);
    format!("{}{sep}{:02}", cents / 100, cents % 100)
}

/// One sentence on `topic` in `lang`, with varied words and numbers so that texts rarely repeat.
pub(crate) fn sentence(rng: &mut Rng, lang: Lang, topic: Topic) -> String {
    let s = match lang {
        Lang::Fr => french(rng, topic),
        Lang::En => english(rng, topic),
        Lang::Ar => arabic(rng, topic),
    };
    if lang == Lang::Ar && rng.chance(300) {
        arabic_indic(&s)
    } else {
        s
    }
}

fn french(rng: &mut Rng, topic: Topic) -> String {
    let city = rng.pick(FR_CITIES);
    let day = rng.pick(FR_DAYS);
    match (topic, rng.below(3)) {
        (Topic::Weather, 0) => format!(
            "Ce matin à {city}, {}°C et {}.",
            rng.range(0, 24),
            rng.pick(FR_SKY)
        ),
        (Topic::Weather, 1) => format!(
            "Prévisions pour {day} à {city} : {}, jusqu'à {}°C.",
            rng.pick(FR_SKY),
            rng.range(3, 27)
        ),
        (Topic::Weather, _) => format!(
            "Vigilance pluie sur {city} cet après-midi, prévoyez un parapluie ({} mm attendus).",
            rng.range(5, 40)
        ),
        (Topic::Market, 0) => format!(
            "Au marché de {city}, les {} sont à {} € le kilo.",
            rng.pick(FR_PRODUCE),
            price(rng, ',')
        ),
        (Topic::Market, 1) => {
            let (a, b) = rng.pick_two(FR_PRODUCE);
            format!(
                "Bonne nouvelle au marché de {day} : {a} de saison à {} €, et des {b} à {} €.",
                price(rng, ','),
                price(rng, ',')
            )
        }
        (Topic::Market, _) => format!(
            "L'indice des commerçants de {city} termine la semaine en {} de {},{} %.",
            rng.pick(&["hausse", "baisse"]),
            rng.below(3),
            rng.below(10)
        ),
        (Topic::Football, 0) => {
            let (a, b) = rng.pick_two(FR_TEAMS);
            format!(
                "Score final : {a} {}-{} {b}, {}.",
                rng.below(5),
                rng.below(5),
                rng.pick(FR_MATCH)
            )
        }
        (Topic::Football, 1) => {
            let (a, b) = rng.pick_two(FR_TEAMS);
            format!(
                "{a} reçoit {b} {day} à {}h, venez nombreux au stade de {city} !",
                rng.range(14, 20)
            )
        }
        (Topic::Football, _) => format!(
            "Entraînement des U{} {day} soir, rendez-vous au terrain de {city} à {}h{}.",
            rng.range(9, 17),
            rng.range(17, 19),
            rng.pick(&["00", "15", "30"])
        ),
        (Topic::Cooking, 0) => format!(
            "Recette du jour : {} avec une pointe de {}, prête en {} minutes.",
            rng.pick(FR_DISHES),
            rng.pick(FR_INGREDIENTS),
            rng.range(10, 90)
        ),
        (Topic::Cooking, 1) => format!(
            "Astuce cuisine : ajoutez un peu de {} à votre {}, c'est meilleur, promis.",
            rng.pick(FR_INGREDIENTS),
            rng.pick(FR_DISHES)
        ),
        (Topic::Cooking, _) => format!(
            "Atelier {} à la maison de quartier {day}, {} places, inscription gratuite.",
            rng.pick(FR_DISHES),
            rng.range(8, 20)
        ),
        (Topic::Transport, 0) => {
            let (a, b) = rng.pick_two(FR_STOPS);
            format!(
                "Ligne {} du tram : {} entre {a} et {b}.",
                rng.range(1, 9),
                rng.pick(FR_TRAFFIC)
            )
        }
        (Topic::Transport, 1) => format!(
            "Le bus {} est dévié {day} à cause {}.",
            rng.range(2, 40),
            rng.pick(FR_WORKS)
        ),
        (Topic::Transport, _) => format!(
            "Trafic fluide ce matin à {city} : {} minutes entre l'arrêt {} et le centre.",
            rng.range(8, 35),
            rng.pick(FR_STOPS)
        ),
        (Topic::Local, 0) => format!(
            "La bibliothèque de {} ouvre {day} jusqu'à {}h.",
            rng.pick(FR_DISTRICTS),
            rng.range(18, 21)
        ),
        (Topic::Local, 1) => format!(
            "Travaux rue {} à {city} : circulation alternée jusqu'à {day}.",
            rng.pick(FR_STREETS)
        ),
        (Topic::Local, _) => {
            let (a, b) = rng.pick_two(FR_ACTIVITIES);
            format!(
                "Fête de quartier à {} {day} : {a} et {b} pour toute la famille.",
                rng.pick(FR_DISTRICTS)
            )
        }
    }
}

fn english(rng: &mut Rng, topic: Topic) -> String {
    let city = rng.pick(EN_CITIES);
    let day = rng.pick(EN_DAYS);
    match (topic, rng.below(3)) {
        (Topic::Weather, 0) => format!(
            "This morning in {city}: {}°C and {}.",
            rng.range(0, 22),
            rng.pick(EN_SKY)
        ),
        (Topic::Weather, 1) => format!(
            "Forecast for {day} in {city}: {}, highs of {}°C.",
            rng.pick(EN_SKY),
            rng.range(3, 25)
        ),
        (Topic::Weather, _) => format!(
            "Heads up, rain expected over {city} this afternoon, around {} mm, so bring an umbrella.",
            rng.range(5, 40)
        ),
        (Topic::Market, 0) => format!(
            "At the {city} market, {} are £{} a kilo today.",
            rng.pick(EN_PRODUCE),
            price(rng, '.')
        ),
        (Topic::Market, 1) => {
            let (a, b) = rng.pick_two(EN_PRODUCE);
            format!(
                "Fresh {a} at the farmers' market on {day}, £{} a bag, and {b} at £{}.",
                price(rng, '.'),
                price(rng, '.')
            )
        }
        (Topic::Market, _) => format!(
            "The {city} traders' index closed the week {} {}.{}%.",
            rng.pick(&["up", "down"]),
            rng.below(3),
            rng.below(10)
        ),
        (Topic::Football, 0) => {
            let (a, b) = rng.pick_two(EN_TEAMS);
            format!(
                "Full time: {a} {}-{} {b}, {}.",
                rng.below(5),
                rng.below(5),
                rng.pick(EN_MATCH)
            )
        }
        (Topic::Football, 1) => {
            let (a, b) = rng.pick_two(EN_TEAMS);
            format!(
                "{a} host {b} on {day} at {}:00, come along to the {city} ground!",
                rng.range(12, 19)
            )
        }
        (Topic::Football, _) => format!(
            "Under-{}s training moves to {day} evening, {}:{} at the {city} pitches.",
            rng.range(9, 16),
            rng.range(17, 19),
            rng.pick(&["00", "15", "30"])
        ),
        (Topic::Cooking, 0) => format!(
            "Recipe of the day: {} with a hint of {}, ready in {} minutes.",
            rng.pick(EN_DISHES),
            rng.pick(EN_INGREDIENTS),
            rng.range(10, 90)
        ),
        (Topic::Cooking, 1) => format!(
            "Kitchen tip: a pinch of {} lifts any {}, trust me.",
            rng.pick(EN_INGREDIENTS),
            rng.pick(EN_DISHES)
        ),
        (Topic::Cooking, _) => format!(
            "The sign at the {city} community kitchen says \"{} class on {day}, {} places left\".",
            rng.pick(EN_DISHES),
            rng.range(2, 12)
        ),
        (Topic::Transport, 0) => {
            let (a, b) = rng.pick_two(EN_STOPS);
            format!(
                "Line {} tram: {} between {a} and {b}.",
                rng.range(1, 9),
                rng.pick(EN_TRAFFIC)
            )
        }
        (Topic::Transport, 1) => format!(
            "Bus {} diverted on {day} because of {}.",
            rng.range(2, 40),
            rng.pick(EN_WORKS)
        ),
        (Topic::Transport, _) => format!(
            "Ring road around {city} is clear this morning, {} minutes from {} to the centre.",
            rng.range(8, 35),
            rng.pick(EN_STOPS)
        ),
        (Topic::Local, 0) => format!(
            "The {} library is open until {}pm on {day}.",
            rng.pick(EN_DISTRICTS),
            rng.range(6, 9)
        ),
        (Topic::Local, 1) => format!(
            "Roadworks on {} Street in {city}: single-lane traffic until {day}.",
            rng.pick(EN_STREETS)
        ),
        (Topic::Local, _) => {
            let (a, b) = rng.pick_two(EN_ACTIVITIES);
            format!(
                "Street party in {} on {day}: {a} and {b} for all ages.",
                rng.pick(EN_DISTRICTS)
            )
        }
    }
}

fn arabic(rng: &mut Rng, topic: Topic) -> String {
    let city = rng.pick(AR_CITIES);
    let day = rng.pick(AR_DAYS);
    match (topic, rng.below(2)) {
        (Topic::Weather, 0) => format!(
            "الطقس اليوم في {city}: {} درجة مع {}.",
            rng.range(8, 34),
            rng.pick(AR_SKY)
        ),
        (Topic::Weather, _) => format!(
            "توقعات يوم {day} في {city}: {} ودرجة الحرارة حتى {}.",
            rng.pick(AR_SKY),
            rng.range(10, 36)
        ),
        (Topic::Market, 0) => format!(
            "سعر {} في سوق {city} اليوم {} للكيلو.",
            rng.pick(AR_PRODUCE),
            price(rng, '.')
        ),
        (Topic::Market, _) => format!(
            "{} طازجة في السوق الأسبوعي يوم {day} في {city}.",
            rng.pick(AR_PRODUCE)
        ),
        (Topic::Football, 0) => {
            let (a, b) = rng.pick_two(AR_TEAMS);
            format!(
                "النتيجة النهائية: {a} {} - {} {b}، {}.",
                rng.below(5),
                rng.below(5),
                rng.pick(AR_MATCH)
            )
        }
        (Topic::Football, _) => {
            let (a, b) = rng.pick_two(AR_TEAMS);
            format!(
                "مباراة {a} و{b} يوم {day} الساعة {} في ملعب {city}.",
                rng.range(15, 21)
            )
        }
        (Topic::Cooking, 0) => format!(
            "وصفة اليوم: {} مع {}، جاهزة في {} دقيقة.",
            rng.pick(AR_DISHES),
            rng.pick(AR_INGREDIENTS),
            rng.range(10, 90)
        ),
        (Topic::Cooking, _) => format!(
            "نصيحة في المطبخ: أضيفوا قليلاً من {} إلى {}.",
            rng.pick(AR_INGREDIENTS),
            rng.pick(AR_DISHES)
        ),
        (Topic::Transport, 0) => format!(
            "تأخير في خط الحافلة رقم {} بسبب {} في {city}.",
            rng.range(2, 40),
            rng.pick(AR_REASONS)
        ),
        (Topic::Transport, _) => {
            let (a, b) = rng.pick_two(AR_STOPS);
            format!(
                "الترام رقم {} يعمل بشكل طبيعي بين {a} و{b}.",
                rng.range(1, 9)
            )
        }
        (Topic::Local, 0) => format!(
            "افتتاح مكتبة جديدة في حي {} يوم {day}.",
            rng.pick(AR_DISTRICTS)
        ),
        (Topic::Local, _) => {
            let (a, b) = rng.pick_two(AR_ACTIVITIES);
            format!(
                "مهرجان حي {} يوم {day} مع {a} و{b} للعائلة.",
                rng.pick(AR_DISTRICTS)
            )
        }
    }
}

/// The hashtags (without `#`) that suit `topic` in `lang`.
pub(crate) fn hashtags(lang: Lang, topic: Topic) -> &'static [&'static str] {
    let i = topic.ordinal();
    match lang {
        Lang::Fr => FR_TAGS[i],
        Lang::En => EN_TAGS[i],
        Lang::Ar => AR_TAGS[i],
    }
}

/// An emoji that suits `topic`.
pub(crate) fn emoji(rng: &mut Rng, topic: Topic) -> &'static str {
    rng.word(EMOJI[topic.ordinal()])
}

/// A link on one of the reserved example domains, sometimes with a tracking query string.
pub(crate) fn link(rng: &mut Rng, topic: Topic) -> String {
    let host = rng.pick(LINK_HOSTS);
    let path = LINK_PATHS[topic.ordinal()];
    let mut url = format!(
        "https://{host}/{path}/2024/{:02}/{}",
        rng.range(1, 3),
        rng.range(100, 9999)
    );
    if rng.chance(200) {
        url.push_str("?utm_source=share&ref=");
        url.push_str(&rng.range(1, 99).to_string());
    }
    url
}

/// A word for a hyperlink's visible text (Telegram `text_link`).
pub(crate) fn link_label(rng: &mut Rng, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => rng.word(&["ici", "sur cette page", "dans ce lien"]),
        Lang::En => rng.word(&["here", "on this page", "in this link"]),
        Lang::Ar => rng.word(&["هنا", "في هذه الصفحة"]),
    }
}

/// The words before a link label, e.g. " Tout est " then "ici".
pub(crate) fn link_lead(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => " Tout est ",
        Lang::En => " It's all ",
        Lang::Ar => " التفاصيل ",
    }
}

/// A short emphasised lead (Telegram `bold`).
pub(crate) fn bold_lead(rng: &mut Rng, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => rng.word(&["À noter :", "Rappel :", "Info pratique :"]),
        Lang::En => rng.word(&["Note:", "Reminder:", "Good to know:"]),
        Lang::Ar => rng.word(&["ملاحظة:", "تذكير:"]),
    }
}

/// The words around a thanked mention: `(before, after)`.
pub(crate) fn thanks(rng: &mut Rng, lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::Fr => *rng.pick(&[
            (" Merci à ", " pour l'info."),
            (" Photo envoyée par ", ", merci !"),
        ]),
        Lang::En => *rng.pick(&[
            (" Thanks ", " for the tip."),
            (" Photo sent in by ", ", cheers!"),
        ]),
        Lang::Ar => *rng.pick(&[(" شكراً ", " على المعلومة."), (" الصورة من ", "، شكراً!")]),
    }
}
