"""Reference data: Morocco's regions and provincial directorates, and the demo schools and pupils.

Plain data only, which `storage.seed` writes to the database. Regions follow the 2015 administrative division,
numbered 01 to 12 in their usual official order. Provinces are the ministry's provincial directorates, one per
province or prefecture, except Casablanca, where each prefecture of districts has its own directorate.
Province codes are the region code followed by a two-digit rank, a numbering of this project and not an official
one. Demo schools and pupils are invented, and their codes only imitate the shape of Massar codes.
"""

from __future__ import annotations

from datetime import date

# --- Regions and their academies (AREF) --------------------------------------------------------------------

_ACADEMY_FR = "Académie régionale d'éducation et de formation de la région "
_ACADEMY_AR = "الأكاديمية الجهوية للتربية والتكوين لجهة "

# (code, French name, Arabic name, French name as it follows "de la région ")
_REGION_ROWS = (
    ("01", "Tanger-Tétouan-Al Hoceïma", "طنجة تطوان الحسيمة", "Tanger-Tétouan-Al Hoceïma"),
    ("02", "L'Oriental", "الشرق", "de l'Oriental"),
    ("03", "Fès-Meknès", "فاس مكناس", "Fès-Meknès"),
    ("04", "Rabat-Salé-Kénitra", "الرباط سلا القنيطرة", "Rabat-Salé-Kénitra"),
    ("05", "Béni Mellal-Khénifra", "بني ملال خنيفرة", "Béni Mellal-Khénifra"),
    ("06", "Casablanca-Settat", "الدار البيضاء سطات", "Casablanca-Settat"),
    ("07", "Marrakech-Safi", "مراكش آسفي", "Marrakech-Safi"),
    ("08", "Drâa-Tafilalet", "درعة تافيلالت", "Drâa-Tafilalet"),
    ("09", "Souss-Massa", "سوس ماسة", "Souss-Massa"),
    ("10", "Guelmim-Oued Noun", "كلميم واد نون", "Guelmim-Oued Noun"),
    ("11", "Laâyoune-Sakia El Hamra", "العيون الساقية الحمراء", "Laâyoune-Sakia El Hamra"),
    ("12", "Dakhla-Oued Ed-Dahab", "الداخلة وادي الذهب", "Dakhla-Oued Ed-Dahab"),
)

REGIONS: tuple[dict, ...] = tuple(
    {
        "code": code,
        "name_fr": name_fr,
        "name_ar": name_ar,
        "academy_fr": _ACADEMY_FR + academy_suffix,
        "academy_ar": _ACADEMY_AR + name_ar,
    }
    for code, name_fr, name_ar, academy_suffix in _REGION_ROWS
)

# --- Provincial directorates -------------------------------------------------------------------------------

# Region code -> directorates in that region, as (French name, Arabic name). The rank gives the province code.
_PROVINCES_BY_REGION = {
    "01": (
        ("Tanger-Assilah", "طنجة أصيلة"),
        ("M'diq-Fnideq", "المضيق الفنيدق"),
        ("Tétouan", "تطوان"),
        ("Fahs-Anjra", "الفحص أنجرة"),
        ("Larache", "العرائش"),
        ("Al Hoceïma", "الحسيمة"),
        ("Chefchaouen", "شفشاون"),
        ("Ouezzane", "وزان"),
    ),
    "02": (
        ("Oujda-Angad", "وجدة أنكاد"),
        ("Nador", "الناظور"),
        ("Driouch", "الدريوش"),
        ("Jerada", "جرادة"),
        ("Berkane", "بركان"),
        ("Taourirt", "تاوريرت"),
        ("Guercif", "جرسيف"),
        ("Figuig", "فجيج"),
    ),
    "03": (
        ("Fès", "فاس"),
        ("Meknès", "مكناس"),
        ("El Hajeb", "الحاجب"),
        ("Ifrane", "إفران"),
        ("Moulay Yacoub", "مولاي يعقوب"),
        ("Sefrou", "صفرو"),
        ("Boulemane", "بولمان"),
        ("Taounate", "تاونات"),
        ("Taza", "تازة"),
    ),
    "04": (
        ("Rabat", "الرباط"),
        ("Salé", "سلا"),
        ("Skhirate-Témara", "الصخيرات تمارة"),
        ("Kénitra", "القنيطرة"),
        ("Khémisset", "الخميسات"),
        ("Sidi Kacem", "سيدي قاسم"),
        ("Sidi Slimane", "سيدي سليمان"),
    ),
    "05": (
        ("Béni Mellal", "بني ملال"),
        ("Azilal", "أزيلال"),
        ("Fquih Ben Salah", "الفقيه بن صالح"),
        ("Khénifra", "خنيفرة"),
        ("Khouribga", "خريبكة"),
    ),
    "06": (
        ("Casablanca-Anfa", "الدار البيضاء أنفا"),
        ("Aïn Chock", "عين الشق"),
        ("Aïn Sebaâ-Hay Mohammadi", "عين السبع الحي المحمدي"),
        ("Al Fida-Mers Sultan", "الفداء مرس السلطان"),
        ("Ben M'Sick", "ابن مسيك"),
        ("Moulay Rachid", "مولاي رشيد"),
        ("Sidi Bernoussi", "سيدي البرنوصي"),
        ("Hay Hassani", "الحي الحسني"),
        ("Mohammedia", "المحمدية"),
        ("El Jadida", "الجديدة"),
        ("Nouaceur", "النواصر"),
        ("Médiouna", "مديونة"),
        ("Benslimane", "بنسليمان"),
        ("Berrechid", "برشيد"),
        ("Settat", "سطات"),
        ("Sidi Bennour", "سيدي بنور"),
    ),
    "07": (
        ("Marrakech", "مراكش"),
        ("Chichaoua", "شيشاوة"),
        ("Al Haouz", "الحوز"),
        ("El Kelâa des Sraghna", "قلعة السراغنة"),
        ("Essaouira", "الصويرة"),
        ("Rehamna", "الرحامنة"),
        ("Safi", "آسفي"),
        ("Youssoufia", "اليوسفية"),
    ),
    "08": (
        ("Errachidia", "الرشيدية"),
        ("Ouarzazate", "ورزازات"),
        ("Midelt", "ميدلت"),
        ("Tinghir", "تنغير"),
        ("Zagora", "زاكورة"),
    ),
    "09": (
        ("Agadir Ida-Outanane", "أكادير إداوتنان"),
        ("Inezgane-Aït Melloul", "إنزكان آيت ملول"),
        ("Chtouka-Aït Baha", "اشتوكة آيت باها"),
        ("Taroudant", "تارودانت"),
        ("Tiznit", "تيزنيت"),
        ("Tata", "طاطا"),
    ),
    "10": (
        ("Guelmim", "كلميم"),
        ("Assa-Zag", "آسا الزاك"),
        ("Tan-Tan", "طانطان"),
        ("Sidi Ifni", "سيدي إفني"),
    ),
    "11": (
        ("Laâyoune", "العيون"),
        ("Boujdour", "بوجدور"),
        ("Tarfaya", "طرفاية"),
        ("Es-Semara", "السمارة"),
    ),
    "12": (
        ("Oued Ed-Dahab", "وادي الذهب"),
        ("Aousserd", "أوسرد"),
    ),
}

PROVINCES: tuple[dict, ...] = tuple(
    {
        "code": f"{region_code}{rank:02d}",
        "name_fr": name_fr,
        "name_ar": name_ar,
        "region_code": region_code,
    }
    for region_code, directorates in _PROVINCES_BY_REGION.items()
    for rank, (name_fr, name_ar) in enumerate(directorates, start=1)
)

# --- Demo schools ------------------------------------------------------------------------------------------

# The first school is the demo school account's. The second belongs to the second school account, whose pupils
# have no guardian account. The Salé school lets province-scope checks see a school outside Rabat.
DEMO_SCHOOLS: tuple[dict, ...] = (
    {
        "code": "21457A03",
        "name_fr": "École primaire Al Massira",
        "name_ar": "مدرسة المسيرة الابتدائية",
        "is_public": True,
        "province_code": "0401",
    },
    {
        "code": "21463B11",
        "name_fr": "Collège Ibn Al Haytham",
        "name_ar": "الثانوية الإعدادية ابن الهيثم",
        "is_public": True,
        "province_code": "0401",
    },
    {
        "code": "21471C08",
        "name_fr": "Lycée qualifiant Al Khawarizmi",
        "name_ar": "الثانوية التأهيلية الخوارزمي",
        "is_public": True,
        "province_code": "0401",
    },
    {
        "code": "22108A15",
        "name_fr": "École primaire Ibn Khaldoun",
        "name_ar": "مدرسة ابن خلدون الابتدائية",
        "is_public": True,
        "province_code": "0402",
    },
    {
        "code": "21489P02",
        "name_fr": "École privée Al Andalous",
        "name_ar": "مدرسة الأندلس الخصوصية",
        "is_public": False,
        "province_code": "0401",
    },
)

# --- Demo pupils -------------------------------------------------------------------------------------------

# (Massar code, first name, last name, first name AR, last name AR, birth date, level, insured, guardian name)
# NOTE: birth dates are fixed, so the ages 6 to 17 and the levels hold for the 2026-2027 school year only.
_PUPIL_ROWS_BY_SCHOOL = {
    "21457A03": (
        ("J134502711", "Adam", "Alaoui", "آدم", "العلوي", date(2020, 3, 14), "1AP", True, "Rachid Alaoui"),
        ("J133918402", "Salma", "Bennani", "سلمى", "بناني", date(2019, 7, 2), "2AP", True, "Nadia Bennani"),
        ("J132270513", "Yassine", "El Amrani", "ياسين", "العمراني", date(2018, 11, 23), "3AP", False,
         "Mustapha El Amrani"),
        ("J131655024", "Aya", "Lahlou", "آية", "لحلو", date(2017, 1, 9), "4AP", True, "Samira Lahlou"),
        ("J130847135", "Hamza", "Kettani", "حمزة", "الكتاني", date(2016, 5, 30), "5AP", True, "Driss Kettani"),
        ("J130193246", "Meryem", "Sebti", "مريم", "السبتي", date(2015, 9, 17), "6AP", False, "Latifa Sebti"),
        ("J131402357", "Othmane", "Naciri", "عثمان", "الناصري", date(2017, 12, 4), "4AP", True,
         "Abdelaziz Naciri"),
    ),
    "21463B11": (
        ("K140266128", "Imane", "Cherkaoui", "إيمان", "الشرقاوي", date(2014, 2, 21), "1AC", True,
         "Hassan Cherkaoui"),
        ("K139541239", "Ayoub", "Filali", "أيوب", "الفيلالي", date(2013, 6, 8), "2AC", False, "Fatima Filali"),
        ("K138823340", "Khadija", "Mansouri", "خديجة", "المنصوري", date(2012, 10, 15), "3AC", True,
         "Abdellah Mansouri"),
        ("K140719451", "Ilyas", "Jabri", "إلياس", "الجابري", date(2014, 4, 3), "1AC", True, "Zineb Jabri"),
        ("K139087562", "Hiba", "Bouzidi", "هبة", "البوزيدي", date(2013, 1, 27), "2AC", True, "Mohamed Bouzidi"),
        ("K138376673", "Anas", "Ait Ali", "أنس", "آيت علي", date(2012, 8, 19), "3AC", False, "Lahcen Ait Ali"),
        ("K139958784", "Nour", "Hajji", "نور", "الحجي", date(2013, 11, 11), "2AC", True, "Karima Hajji"),
    ),
    "21471C08": (
        ("L111604895", "Zakaria", "Benkirane", "زكرياء", "بنكيران", date(2011, 3, 6), "TCS", True,
         "Said Benkirane"),
        ("L110932906", "Sara", "Zniber", "سارة", "زنيبر", date(2010, 9, 12), "1BAC", True, "Houria Zniber"),
        ("L109478017", "Mehdi", "Ouazzani", "المهدي", "الوزاني", date(2009, 5, 25), "2BAC", False,
         "Jamal Ouazzani"),
        ("L111250128", "Douae", "Amzil", "دعاء", "أمزيل", date(2011, 7, 18), "TCS", True, "Brahim Amzil"),
        ("L110366239", "Rayane", "Moutaouakil", "ريان", "المتوكل", date(2010, 2, 1), "1BAC", True,
         "Nezha Moutaouakil"),
        ("L109815340", "Ghita", "Sqalli", "غيثة", "السقلي", date(2009, 12, 29), "2BAC", False, "Omar Sqalli"),
        ("L111093451", "Bilal", "Rami", "بلال", "رامي", date(2011, 10, 10), "TCS", True, "Aicha Rami"),
        ("L110547562", "Yasmine", "Benjelloun", "ياسمين", "بنجلون", date(2010, 4, 22), "1BAC", True,
         "Khalid Benjelloun"),
    ),
    "22108A15": (
        ("M135120673", "Taha", "Ouahbi", "طه", "الوهبي", date(2020, 8, 5), "1AP", True, "Youssef Ouahbi"),
        ("M134407784", "Rim", "El Ouardi", "ريم", "الوردي", date(2019, 2, 13), "2AP", False, "Hafida El Ouardi"),
        ("M133761895", "Walid", "Tazi", "وليد", "التازي", date(2018, 6, 28), "3AP", True, "Noureddine Tazi"),
        ("M132059906", "Chaimae", "El Fassi", "شيماء", "الفاسي", date(2017, 10, 7), "4AP", True,
         "Malika El Fassi"),
        ("M131318017", "Souhail", "Chraibi", "سهيل", "الشرايبي", date(2016, 3, 19), "5AP", False,
         "Abderrahim Chraibi"),
        ("M130672128", "Houda", "Berrada", "هدى", "برادة", date(2015, 12, 1), "6AP", True, "Souad Berrada"),
    ),
    # A private school is outside the public school-insurance scheme, and its pupils let that rule be tested.
    "21489P02": (
        ("N133240239", "Malak", "El Idrissi", "ملاك", "الإدريسي", date(2018, 4, 16), "3AP", True,
         "Mounir El Idrissi"),
        ("N131586340", "Amine", "Bennis", "أمين", "بنيس", date(2016, 9, 3), "5AP", True, "Ilham Bennis"),
        ("N130914451", "Asmae", "Lamrani", "أسماء", "العمراني", date(2015, 1, 20), "6AP", False,
         "Hicham Lamrani"),
    ),
}


def _pupil(school_code: str, index: int, row: tuple) -> dict:
    massar_code, first, last, first_ar, last_ar, birth_date, level, insured, guardian = row
    return {
        "massar_code": massar_code,
        "first_name": first,
        "last_name": last,
        "first_name_ar": first_ar,
        "last_name_ar": last_ar,
        "birth_date": birth_date,
        "level": level,
        "insured": insured,
        # An uninsured pupil has no premium receipt.
        "insurance_receipt": f"AS-2026-{school_code}-{index:03d}" if insured else "",
        "guardian_name": guardian,
        "school_code": school_code,
    }


DEMO_PUPILS: tuple[dict, ...] = tuple(
    _pupil(school_code, index, row)
    for school_code, rows in _PUPIL_ROWS_BY_SCHOOL.items()
    for index, row in enumerate(rows, start=1)
)
