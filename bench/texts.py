"""Hand-written German text about municipal policy, combined by dataset.py into articles.

Each pool holds whole sentences (some with ``{stadt}``, ``{jahr}``, ``{zahl}`` or
``{betrag}`` placeholders) so that combined text reads like a local news site and has
the length and character mix (umlauts, ß, typographic quotes) of the real thing.
"""

from __future__ import annotations

CITIES = [
    "Bielefeld",
    "Gütersloh",
    "Paderborn",
    "Münster",
    "Osnabrück",
    "Hamm",
    "Lippstadt",
    "Detmold",
    "Minden",
    "Herford",
    "Soest",
    "Unna",
    "Dortmund",
    "Bochum",
    "Essen",
    "Gelsenkirchen",
    "Oberhausen",
    "Duisburg",
    "Krefeld",
    "Mönchengladbach",
    "Aachen",
    "Düren",
    "Köln",
    "Bonn",
    "Siegen",
    "Olpe",
    "Arnsberg",
    "Iserlohn",
    "Hagen",
    "Wuppertal",
    "Solingen",
    "Remscheid",
    "Leverkusen",
    "Neuss",
    "Viersen",
    "Kleve",
    "Wesel",
    "Bocholt",
    "Coesfeld",
    "Rheine",
]

# Whole titles; {stadt} is filled in, so every template gives one title per city.
TITLES = [
    "{stadt}: Stadtrat beschließt Sanierung der Grundschule am Marktplatz",
    "Neuer Radweg in {stadt} soll bis zum Sommer fertig sein",
    "{stadt} stellt Haushalt für {jahr} vor: Investitionen in Schulen und Kitas",
    "Bürgerbeteiligung in {stadt}: Wie soll die Innenstadt künftig aussehen?",
    "Integrationsrat {stadt} wählt neuen Vorstand",
    "{stadt} richtet Quartiersbüro im Nordviertel ein",
    "Mehr Ganztagsplätze: {stadt} baut zwei Grundschulen aus",
    "Wohnungsmarkt in {stadt}: Stadt will 500 geförderte Wohnungen schaffen",
    "{stadt} startet Förderprogramm für Vereine im Ehrenamt",
    "Klimaschutzkonzept für {stadt}: Rat stimmt mit großer Mehrheit zu",
    "Busverkehr in {stadt}: Neuer Takt ab dem Fahrplanwechsel",
    "{stadt} diskutiert über die Zukunft des Hallenbads",
    "Digitale Verwaltung: {stadt} bietet 40 Dienste online an",
    "Willkommenskultur in {stadt}: Lotsenprojekt sucht Ehrenamtliche",
    "Stadtteilfest in {stadt} lockt Tausende Besucherinnen und Besucher",
    "{stadt} will Leerstand in der Fußgängerzone bekämpfen",
    "Seniorenbeirat {stadt} fordert mehr Sitzbänke und öffentliche Toiletten",
    "Kita-Gebühren in {stadt}: Eltern kritisieren geplante Erhöhung",
    "{stadt} erhält Landesmittel für die Erneuerung des Bahnhofsumfelds",
    "Jugendparlament {stadt} legt erste Vorschläge vor",
    "Straßenbeleuchtung in {stadt} wird auf LED umgestellt",
    "{stadt} und Nachbarkreis gründen gemeinsames Bildungsbüro",
    "Sprachkurse für Zugewanderte: {stadt} erweitert das Angebot",
    "Hitzeschutzplan für {stadt}: Trinkbrunnen und schattige Plätze geplant",
    "{stadt}: Bürgerhaushalt bringt 120 Vorschläge aus der Bevölkerung",
    "Neue Sporthalle in {stadt} nach zwei Jahren Bauzeit eröffnet",
    "{stadt} prüft autofreie Sonntage in der Altstadt",
    "Familienzentrum in {stadt} feiert zehnjähriges Bestehen",
    "Ratsfraktionen in {stadt} streiten über Gewerbegebiet am Stadtrand",
    "Ausbildungsmesse in {stadt}: Betriebe werben um Nachwuchs",
]

TEASERS = [
    "Nach monatelanger Debatte ist die Entscheidung gefallen. Was die Pläne für die "
    "Bürgerinnen und Bürger in {stadt} bedeuten, erklären wir hier.",
    "Die Verwaltung in {stadt} hat ihre Pläne im Ausschuss vorgestellt. Nicht alle "
    "Fraktionen sind überzeugt.",
    "Rund {zahl} Menschen haben sich an der Befragung beteiligt. Die Ergebnisse liegen "
    "jetzt vor und sollen in die weitere Planung einfließen.",
    "Das Vorhaben kostet voraussichtlich {betrag} Euro. Ein Teil davon kommt aus "
    "Fördermitteln des Landes.",
    "Was lange währt: Das Projekt in {stadt} geht in die nächste Phase. Ein Überblick "
    "über Zeitplan, Kosten und offene Fragen.",
    "Vereine, Schulen und Initiativen aus {stadt} arbeiten dafür eng zusammen. Die "
    "Stadt will das Modell dauerhaft fördern.",
    "Im Rat gab es eine lebhafte Diskussion. Am Ende stimmte eine deutliche Mehrheit "
    "für den Vorschlag der Verwaltung.",
    "Die Stadt {stadt} reagiert damit auf Wünsche aus der Bevölkerung. Bis {jahr} soll "
    "alles umgesetzt sein.",
]

# Sentences for article bodies; an article uses each at most once.
ARTICLE_SENTENCES = [
    "Der Rat der Stadt {stadt} hat in seiner jüngsten Sitzung mit großer Mehrheit "
    "beschlossen, das Vorhaben noch in diesem Jahr auf den Weg zu bringen.",
    "Die Verwaltung rechnet mit Gesamtkosten von rund {betrag} Euro, von denen ein "
    "erheblicher Teil über Förderprogramme des Landes gedeckt werden soll.",
    "Bürgermeisterin und Kämmerer betonten, dass der Haushalt trotz der Investitionen "
    "ausgeglichen bleibe.",
    "Kritik kam vor allem aus der Opposition, die eine frühere Beteiligung der "
    "Anwohnerinnen und Anwohner gefordert hatte.",
    "In einer Online-Befragung hatten sich zuvor mehr als {zahl} Menschen zu den Plänen "
    "geäußert, die meisten davon zustimmend.",
    "Der zuständige Fachausschuss wird sich nach der Sommerpause erneut mit dem Thema "
    "befassen und dann über die Details entscheiden.",
    "Besonders wichtig sei es, die Menschen in den Stadtteilen mitzunehmen, sagte der "
    "Vorsitzende des Integrationsrates.",
    "Die kommunalen Spitzenverbände weisen seit Jahren darauf hin, dass Städte und "
    "Gemeinden für solche Aufgaben eine verlässliche Finanzierung brauchen.",
    "Erste Ergebnisse sollen bereits im Frühjahr {jahr} sichtbar sein.",
    "Ein externes Planungsbüro hat mehrere Varianten untersucht und eine davon zur "
    "Umsetzung empfohlen.",
    "Die Elternvertretungen begrüßten den Beschluss, mahnten aber eine zügige Umsetzung an.",
    "Wer sich informieren möchte, kann die Unterlagen im Bürgerbüro einsehen oder auf der "
    "Internetseite der Stadt herunterladen.",
    "Der Kreis unterstützt das Vorhaben mit Personal und übernimmt die Koordination mit "
    "den Nachbargemeinden.",
    "Nach Angaben der Verwaltung leben in {stadt} derzeit Menschen aus mehr als {zahl} Nationen.",
    "Auch Vereine und Wohlfahrtsverbände sollen in die weitere Planung eingebunden werden.",
    "Die Baugenehmigung liegt inzwischen vor, sodass die Arbeiten im Herbst beginnen können.",
    "Während der Bauzeit muss mit Einschränkungen im Straßenverkehr gerechnet werden; "
    "Umleitungen werden ausgeschildert.",
    "Die Fraktionen von SPD und CDU hatten einen gemeinsamen Antrag eingebracht, dem sich "
    "später auch die Grünen anschlossen.",
    "Die FDP enthielt sich der Stimme und verwies auf die angespannte Haushaltslage.",
    "„Wir haben lange darauf hingearbeitet und freuen uns, dass es nun endlich losgeht“, "
    "sagte die Leiterin des Fachbereichs.",
    "Nach Einschätzung von Fachleuten ist {stadt} mit diesem Ansatz ein Vorreiter in der Region.",
    "Ähnliche Projekte in anderen Kommunen hätten gezeigt, dass sich der Aufwand lohne.",
    "Ein Monitoring soll regelmäßig prüfen, ob die gesetzten Ziele erreicht werden.",
    "Der Bericht wird einmal im Jahr im Rat vorgestellt und anschließend veröffentlicht.",
    "Für Rückfragen steht die Stabsstelle Bürgerbeteiligung montags bis freitags zur Verfügung.",
    "Viele Ehrenamtliche engagieren sich bereits seit Jahren in dem Bereich und brachten "
    "ihre Erfahrungen in die Arbeitsgruppen ein.",
    "Bei einer Informationsveranstaltung im Rathaus kamen rund {zahl} Interessierte zusammen.",
    "Die Stadtwerke haben zugesagt, die notwendigen Leitungen rechtzeitig zu verlegen.",
    "Mit dem Beschluss setzt die Stadt eine Empfehlung des Qualitätszirkels um, in dem "
    "Kommunen ihre Erfahrungen austauschen.",
    "Die Landesregierung hat angekündigt, das Förderprogramm bis {jahr} zu verlängern.",
    "Offen ist noch, wie die laufenden Kosten nach dem Ende der Förderung getragen werden.",
    "Ein Sprecher der Stadt kündigte an, die Öffentlichkeit über jeden Schritt zu informieren.",
    "Die Lokalpolitik ist sich in der Sache weitgehend einig, streitet aber über den "
    "richtigen Zeitplan.",
    "Schulen, Kitas und Jugendzentren sollen als Orte der Begegnung gestärkt werden.",
    "Ein Teil der Flächen gehört der Stadt, für den Rest laufen Gespräche mit privaten "
    "Eigentümern.",
    "Die Nachfrage nach bezahlbarem Wohnraum ist in den vergangenen Jahren deutlich gestiegen.",
    "Gerade ältere Menschen und Familien mit kleinen Kindern profitieren von den Verbesserungen.",
    "Die Verwaltung hat zugesagt, die Barrierefreiheit von Anfang an mitzudenken.",
    "Zum Auftakt lädt die Stadt zu einem Spaziergang durch das Quartier ein, bei dem "
    "Fragen direkt beantwortet werden.",
    "Auf die Frage nach Alternativen verwies der Baudezernent auf die Ergebnisse der "
    "Machbarkeitsstudie.",
    "Im Jahr {jahr} soll eine erste Bilanz gezogen werden.",
    "Die Initiative geht auf einen Bürgerantrag zurück, der von mehr als {zahl} Menschen "
    "unterschrieben worden war.",
    "Aus Sicht der Wirtschaftsförderung stärkt das Vorhaben auch den Standort {stadt}.",
    "Ob der Zeitplan zu halten ist, hängt nicht zuletzt von der Lage am Bau ab.",
    "Die Integrationsbeauftragte sprach von einem wichtigen Signal an alle, die neu in "
    "der Stadt sind.",
]

PHOTO_ALT = (
    "Illustration: Publikum vor einem Podium und einer Leinwand bei einer "
    "Bürgerversammlung im Rathaus"
)
PHOTO_CAPTION = "Symbolbild: Illustration für die Demo von Zirkel"

# (name, slug, bio). The first is the editorial team, as in the demo article.
AUTHORS = [
    (
        "Redaktion",
        "redaktion",
        "Die Redaktion berichtet über Kommunalpolitik, Integration und das Leben in den "
        "Städten und Gemeinden der Region und freut sich über Hinweise auf Projekte.",
    ),
    *(
        (
            name,
            slug,
            f"{name} schreibt seit Jahren über {topic} und besucht dafür regelmäßig "
            "Ratssitzungen, Ausschüsse und Bürgerversammlungen in der Region.",
        )
        for name, slug, topic in [
            ("Anna Schneider", "anna-schneider", "Stadtentwicklung und Wohnen"),
            ("Jonas Becker", "jonas-becker", "Verkehr und Mobilität"),
            ("Leonie Wagner", "leonie-wagner", "Bildung und Kinderbetreuung"),
            ("Mehmet Yılmaz", "mehmet-yilmaz", "Integration und Teilhabe"),
            ("Sophie Hoffmann", "sophie-hoffmann", "Klimaschutz und Energie"),
            ("Lukas Schäfer", "lukas-schaefer", "Haushalt und Finanzen"),
            ("Marie Koch", "marie-koch", "Soziales und Gesundheit"),
            ("Felix Richter", "felix-richter", "Sport und Vereine"),
            ("Hannah Klein", "hannah-klein", "Kultur und Ehrenamt"),
            ("Paul Wolf", "paul-wolf", "Wirtschaft und Arbeit"),
            ("Aylin Demir", "aylin-demir", "Jugend und Beteiligung"),
            ("Tobias Neumann", "tobias-neumann", "Digitalisierung der Verwaltung"),
            ("Katharina Schwarz", "katharina-schwarz", "Seniorenpolitik"),
            ("Niklas Zimmermann", "niklas-zimmermann", "Planung und Bau"),
            ("Laura Braun", "laura-braun", "Familienpolitik"),
            ("Daniel Krüger", "daniel-krueger", "Sicherheit und Ordnung"),
            ("Julia Hartmann", "julia-hartmann", "Umwelt und Grünflächen"),
            ("Simon Lange", "simon-lange", "Kommunalwahlen und Parteien"),
            ("Elena Popescu", "elena-popescu", "Zuwanderung aus Europa"),
            ("Moritz Krause", "moritz-krause", "Regionalpolitik"),
        ]
    ),
]

# (name, slug, description): what the articles are filed under, one or two each.
TOPICS = [
    ("Integration", "integration", "Ankommen, Sprache, Arbeit und Nachbarschaft."),
    ("Stadtrat", "stadtrat", "Beschlüsse, Anträge und Debatten im Rat und in den Ausschüssen."),
    ("Verkehr", "verkehr", "Busse, Radwege, Baustellen und die Frage, wer wo parken darf."),
    ("Schule und Kita", "schule-und-kita", "Plätze, Gebäude und Ganztag."),
    ("Wohnen", "wohnen", "Bauland, Mieten und neue Quartiere."),
    ("Klima und Umwelt", "klima-und-umwelt", "Wärmeplanung, Grünflächen und Hitzeschutz."),
    ("Haushalt", "haushalt", "Was die Städte einnehmen, ausgeben und verschieben."),
    ("Kultur und Ehrenamt", "kultur-und-ehrenamt", "Vereine, Feste und Menschen, die mitmachen."),
]

COMMENT_SENTENCES = [
    "Endlich passiert hier etwas, darauf haben wir lange gewartet.",
    "Ich wohne seit zwanzig Jahren im Viertel und finde die Pläne grundsätzlich gut.",
    "Mich würde interessieren, wer am Ende die laufenden Kosten trägt.",
    "Schade, dass die Anwohner nicht früher gefragt wurden.",
    "Das klingt gut, aber ich bin gespannt, ob der Zeitplan wirklich eingehalten wird.",
    "Danke für den ausführlichen Bericht!",
    "Bei der Informationsveranstaltung war leider kaum Zeit für Fragen.",
    "Als Mutter von zwei Kindern kann ich nur sagen: Jeder zusätzliche Platz hilft.",
    "Warum dauert so etwas in Deutschland eigentlich immer so lange?",
    "Unser Verein macht gerne mit, wir haben uns schon bei der Stadt gemeldet.",
    "Ich sehe das kritischer, denn die Parkplätze fallen ersatzlos weg.",
    "Wie wäre es, wenn die Stadt die Unterlagen auch in einfacher Sprache veröffentlicht?",
    "Die Idee ist nicht neu, in unserer Nachbarstadt gibt es das schon seit Jahren.",
    "Hoffentlich wird auch an die Barrierefreiheit gedacht.",
    "Meine Eltern sind auf den Bus angewiesen, für sie ist das eine echte Verbesserung.",
    "Im Artikel fehlt mir die Position der Opposition.",
    "Ich war bei der Ratssitzung dabei, die Debatte war sehr sachlich.",
    "Gute Nachricht für alle, die hier mit dem Rad zur Arbeit fahren.",
    "Woher kommt eigentlich die Zahl von fünfhundert Wohnungen?",
    "Das Geld wäre bei den Schulen besser aufgehoben.",
    "Ich finde es richtig, dass Vereine und Initiativen eingebunden werden.",
    "Bitte bleiben Sie an dem Thema dran und berichten Sie weiter.",
    "Die Baustelle vor unserem Haus ist jetzt schon seit Monaten da.",
    "Eine Frage an die Redaktion: Gibt es die Präsentation aus dem Ausschuss irgendwo?",
    "Als Lehrerin erlebe ich jeden Tag, wie dringend wir mehr Räume brauchen.",
    "Ich bin selbst vor zehn Jahren hierhergezogen und hätte mir so ein Angebot gewünscht.",
    "Ohne die vielen Ehrenamtlichen würde das alles nicht funktionieren.",
    "Man sollte die Ergebnisse der Befragung nicht überbewerten.",
    "Wer im Rat sitzt, sollte auch mal mit dem Bus durch die Stadt fahren.",
    "Respekt an alle, die sich da seit Jahren engagieren.",
    "Ich hoffe, dass die Bäume an der Hauptstraße erhalten bleiben.",
    "Die Kosten sind ja schon wieder gestiegen, das war abzusehen.",
    "Können Sie nachfragen, wann die Arbeiten genau beginnen?",
    "Wir waren beim Stadtteilfest und es war wirklich schön.",
    "Das Jugendparlament ist eine tolle Sache, mehr davon!",
    "Leider ist die Seite der Stadt auf dem Handy kaum zu bedienen.",
    "Mein Sohn wartet seit einem Jahr auf einen Platz, das ist kein Zustand.",
    "Ich stimme meinem Vorredner zu.",
    "Vielleicht sollte man erst einmal die bestehenden Gebäude sanieren.",
    "Ein Schritt in die richtige Richtung, aber es bleibt viel zu tun.",
]

FIRST_NAMES = [
    "Maria",
    "Thomas",
    "Sabine",
    "Michael",
    "Petra",
    "Andreas",
    "Ursula",
    "Stefan",
    "Monika",
    "Christian",
    "Sandra",
    "Martin",
    "Claudia",
    "Jürgen",
    "Birgit",
    "Frank",
    "Karin",
    "Markus",
    "Heike",
    "Uwe",
    "Emine",
    "Ahmet",
    "Olga",
    "Dmitri",
    "Fatma",
    "Giuseppe",
    "Agnieszka",
    "Tomasz",
    "Leonie",
    "Finn",
    "Mia",
    "Ben",
    "Emma",
    "Noah",
    "Lena",
    "Elias",
    "Zeynep",
    "Ali",
    "Greta",
    "Jörg",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Kaya",
    "Öztürk",
    "Nowak",
    "Kowalski",
    "Rossi",
    "Ivanova",
    "Petrović",
    "Yıldız",
    "Köhler",
    "Weiß",
]
