package ai

import "strings"

// phrases are the local provider's fixed words in one language.
// Placeholders: {topic} the topic, {kw} and {kw2} keywords ({KW}
// capitalised), {list} several keywords, {n} a number, {site} the site.
type phrases struct {
	angles    []ideaAngle
	headings  []string // h2 headings of the sections
	sentences []string // the bank paragraphs are drawn from
	list      [3]string
	// intro opens an article whose idea has no summary; below follows it
	// with the keywords.
	intro, below string
	// conclusionHeading and conclusion end an article (Profile.Conclusion).
	conclusionHeading, conclusion string
	// faqHeading and faq are the FAQ section (Profile.FAQ).
	faqHeading string
	faq        [3][2]string
	// contents heads the table of contents (Profile.TableOfContents);
	// seeAlso introduces an internal link.
	contents, seeAlso string
	// and joins the last two items of a list; thisTopic and thisSite stand
	// in for a missing topic or site name; part numbers repeated titles.
	and, thisTopic, thisSite, part string
}

// phrasesFor returns the table of a tag of Languages; a regional variant
// uses its language's ("en-GB" → "en"), anything else English.
func phrasesFor(tag string) *phrases {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if p, ok := phraseTables[base]; ok {
		return p
	}
	return phraseTables["en"]
}

var phraseTables = map[string]*phrases{
	"en": {
		angles: []ideaAngle{
			{title: "A beginner's guide to {topic}", summary: "Everything a newcomer needs to know about {topic}: the basics of {list}, explained step by step."},
			{title: "{n} mistakes people make with {kw}", summary: "The most common {kw} mistakes, why they happen and how readers of {site} can avoid them."},
			{title: "{kw} vs {kw2}: which is right for you?", summary: "A side-by-side look at {kw} and {kw2}, with the trade-offs that actually matter.", needsTwo: true},
			{title: "How to choose the right {kw}", summary: "A practical way to choose {kw}, from first questions to long-term value."},
			{title: "{topic}: {n} questions answered", summary: "Short, clear answers to the questions people ask most about {list}."},
			{title: "{n} expert tips for better {kw}", summary: "Tips from experienced practitioners that make {kw} simpler, cheaper and more reliable."},
			{title: "What nobody tells you about {kw}", summary: "The less obvious side of {kw}: hidden costs, surprising benefits and what to watch for."},
			{title: "The complete {kw} checklist", summary: "A checklist that covers {list}, so nothing important about {topic} is forgotten."},
		},
		headings: []string{
			"What {kw} really means",
			"Why {kw} matters",
			"Getting started with {kw}",
			"Common mistakes with {kw}",
			"Tips to get more out of {kw}",
			"How {kw} fits together with {kw2}",
			"Choosing the right {kw}",
		},
		sentences: []string{
			"{KW} is one of those subjects where a little knowledge goes a long way.",
			"Many readers of {site} first came across {kw} while looking into {topic}.",
			"The key to {kw} is to start small, measure what happens and adjust.",
			"When it comes to {kw}, the details matter more than most people expect.",
			"A common question is how {kw} relates to {kw2}; in practice the two work best together.",
			"Set aside an hour to compare your options for {kw} before you commit.",
			"Experienced people treat {kw} as a habit rather than a one-off project.",
			"Price is rarely the deciding factor for {kw}; fit and consistency matter more.",
			"If you are short on time, focus on the one part of {kw} that affects you most.",
			"Keep notes as you go: what worked for {kw} last month is a good guide for the next one.",
			"Do not be put off by the jargon around {topic}; the underlying ideas are simple.",
			"Most problems with {kw} come from skipping the basics.",
			"Ask people who already use {kw2} what they wish they had known earlier.",
			"A simple checklist makes {kw} repeatable and easier to improve.",
			"There is no single right answer for {kw}, but there are clearly wrong ones.",
			"Quality beats quantity with {kw}, especially at the start.",
		},
		list: [3]string{
			"Start with the basics of {kw}.",
			"Compare {kw} with {kw2} before deciding.",
			"Review your approach to {kw} regularly.",
		},
		intro:             "This article is about {topic}.",
		below:             "Below we look at {list} and what they mean for you in practice.",
		conclusionHeading: "Conclusion",
		conclusion:        "{KW} rewards patience and a clear plan. Start with one step from this article, see what changes, and come back to {site} for more on {topic}.",
		faqHeading:        "Frequently asked questions",
		faq: [3][2]string{
			{"Where do I start with {kw}?", "With the basics: read the sections above and take one step at a time."},
			{"How much time does {kw} take?", "Less than most people think: an hour a week is enough to begin."},
			{"Is {kw} suitable for beginners?", "Yes. It is at the start that {kw} shows the most visible results."},
		},
		contents: "Contents", seeAlso: "Read also:",
		and: "and", thisTopic: "this topic", thisSite: "this site", part: "part",
	},
	"de": {
		angles: []ideaAngle{
			{title: "Einsteigerleitfaden: {topic}", summary: "Alles, was Einsteiger über {topic} wissen müssen: die Grundlagen von {list}, Schritt für Schritt erklärt."},
			{title: "{n} häufige Fehler bei {kw}", summary: "Die häufigsten Fehler bei {kw}, warum sie passieren und wie Leser von {site} sie vermeiden."},
			{title: "{kw} oder {kw2}: Was passt zu Ihnen?", summary: "{kw} und {kw2} im direkten Vergleich, mit den Unterschieden, die wirklich zählen.", needsTwo: true},
			{title: "{topic}: {n} Fragen und Antworten", summary: "Kurze, klare Antworten auf die häufigsten Fragen zu {list}."},
			{title: "{n} Expertentipps für {kw}", summary: "Tipps aus der Praxis, die {kw} einfacher, günstiger und zuverlässiger machen."},
		},
		headings: []string{
			"Was {kw} wirklich bedeutet",
			"Warum {kw} wichtig ist",
			"Der Einstieg in {kw}",
			"Typische Fehler bei {kw}",
			"Tipps für mehr Erfolg mit {kw}",
			"Wie {kw} und {kw2} zusammenpassen",
		},
		sentences: []string{
			"Bei {kw} bringt schon ein wenig Wissen sehr viel.",
			"Viele Leser von {site} sind bei der Suche nach {topic} auf {kw} gestoßen.",
			"Der Schlüssel zu {kw} ist, klein anzufangen, genau hinzusehen und nachzujustieren.",
			"Bei {kw} kommt es mehr auf die Details an, als die meisten erwarten.",
			"Oft wird gefragt, wie {kw} mit {kw2} zusammenhängt; in der Praxis ergänzen sich beide gut.",
			"Nehmen Sie sich eine Stunde Zeit, um Ihre Möglichkeiten bei {kw} zu vergleichen.",
			"Erfahrene Leute behandeln {kw} als Gewohnheit, nicht als einmaliges Projekt.",
			"Die meisten Probleme mit {kw} entstehen, wenn man die Grundlagen überspringt.",
			"Eine einfache Checkliste macht {kw} wiederholbar und leichter zu verbessern.",
			"Bei {kw} geht Qualität vor Quantität, besonders am Anfang.",
		},
		list: [3]string{
			"Beginnen Sie mit den Grundlagen von {kw}.",
			"Vergleichen Sie {kw} mit {kw2}, bevor Sie sich entscheiden.",
			"Überprüfen Sie Ihren Umgang mit {kw} regelmäßig.",
		},
		intro:             "In diesem Artikel geht es um {topic}.",
		below:             "Im Folgenden betrachten wir {list} und was das für Sie in der Praxis bedeutet.",
		conclusionHeading: "Fazit",
		conclusion:        "{KW} belohnt Geduld und einen klaren Plan. Beginnen Sie mit einem Schritt aus diesem Artikel, beobachten Sie, was sich ändert, und schauen Sie für mehr zu {topic} wieder bei {site} vorbei.",
		faqHeading:        "Häufig gestellte Fragen",
		faq: [3][2]string{
			{"Womit fange ich bei {kw} am besten an?", "Mit den Grundlagen: Lesen Sie die Abschnitte oben und gehen Sie einen Schritt nach dem anderen."},
			{"Wie viel Zeit braucht {kw}?", "Weniger, als viele denken: Eine Stunde pro Woche reicht für den Anfang."},
			{"Lohnt sich {kw} auch für Einsteiger?", "Ja. Gerade am Anfang bringt {kw} schnell sichtbare Ergebnisse."},
		},
		contents: "Inhalt", seeAlso: "Lesen Sie auch:",
		and: "und", thisTopic: "dieses Thema", thisSite: "dieser Website", part: "Teil",
	},
	"fr": {
		angles: []ideaAngle{
			{title: "Guide du débutant : {topic}", summary: "Tout ce qu'un débutant doit savoir sur {topic} : les bases de {list}, expliquées pas à pas."},
			{title: "{n} erreurs courantes avec {kw}", summary: "Les erreurs les plus fréquentes avec {kw}, pourquoi elles arrivent et comment les lecteurs de {site} peuvent les éviter."},
			{title: "{kw} ou {kw2} : que choisir ?", summary: "{kw} et {kw2} côte à côte, avec les différences qui comptent vraiment.", needsTwo: true},
			{title: "{topic} : {n} questions fréquentes", summary: "Des réponses courtes et claires aux questions les plus posées sur {list}."},
			{title: "{n} conseils d'experts pour {kw}", summary: "Des conseils de praticiens expérimentés qui rendent {kw} plus simple, moins cher et plus fiable."},
		},
		headings: []string{
			"Ce que {kw} veut vraiment dire",
			"Pourquoi {kw} est important",
			"Bien débuter avec {kw}",
			"Les erreurs fréquentes avec {kw}",
			"Conseils pour tirer le meilleur de {kw}",
			"Comment {kw} et {kw2} vont ensemble",
		},
		sentences: []string{
			"Avec {kw}, un peu de connaissance suffit souvent à faire la différence.",
			"Beaucoup de lecteurs de {site} ont découvert {kw} en s'intéressant à {topic}.",
			"La clé avec {kw} est de commencer petit, d'observer le résultat et d'ajuster.",
			"Pour {kw}, les détails comptent plus qu'on ne le pense.",
			"On se demande souvent quel est le lien entre {kw} et {kw2} ; en pratique, les deux vont bien ensemble.",
			"Prenez une heure pour comparer vos options concernant {kw} avant de vous décider.",
			"Les personnes expérimentées traitent {kw} comme une habitude plutôt que comme un projet ponctuel.",
			"La plupart des problèmes avec {kw} viennent du fait de négliger les bases.",
			"Une simple liste de contrôle rend {kw} reproductible et plus facile à améliorer.",
			"Avec {kw}, la qualité compte plus que la quantité, surtout au début.",
		},
		list: [3]string{
			"Commencez par les bases de {kw}.",
			"Comparez {kw} et {kw2} avant de décider.",
			"Revoyez régulièrement votre approche de {kw}.",
		},
		intro:             "Cet article porte sur {topic}.",
		below:             "Nous verrons ci-dessous {list} et ce que cela signifie pour vous en pratique.",
		conclusionHeading: "Conclusion",
		conclusion:        "{KW} récompense la patience et un plan clair. Commencez par une étape de cet article, observez ce qui change et revenez sur {site} pour en savoir plus sur {topic}.",
		faqHeading:        "Questions fréquentes",
		faq: [3][2]string{
			{"Par où commencer avec {kw} ?", "Par les bases : relisez les sections ci-dessus et avancez une étape à la fois."},
			{"Combien de temps demande {kw} ?", "Moins qu'on ne le croit : une heure par semaine suffit pour commencer."},
			{"{KW} convient-il aux débutants ?", "Oui. C'est même au début que {kw} donne les résultats les plus visibles."},
		},
		contents: "Sommaire", seeAlso: "À lire aussi :",
		and: "et", thisTopic: "ce sujet", thisSite: "ce site", part: "partie",
	},
	"es": {
		angles: []ideaAngle{
			{title: "Guía para principiantes: {topic}", summary: "Todo lo que un principiante necesita saber sobre {topic}: lo básico de {list}, explicado paso a paso."},
			{title: "{n} errores comunes con {kw}", summary: "Los errores más frecuentes con {kw}, por qué ocurren y cómo pueden evitarlos los lectores de {site}."},
			{title: "{kw} o {kw2}: ¿qué te conviene?", summary: "{kw} y {kw2} frente a frente, con las diferencias que de verdad importan.", needsTwo: true},
			{title: "{topic}: {n} preguntas frecuentes", summary: "Respuestas breves y claras a las preguntas más habituales sobre {list}."},
			{title: "{n} consejos de expertos sobre {kw}", summary: "Consejos de personas con experiencia que hacen {kw} más sencillo, barato y fiable."},
		},
		headings: []string{
			"Qué significa de verdad {kw}",
			"Por qué importa {kw}",
			"Primeros pasos con {kw}",
			"Errores habituales con {kw}",
			"Consejos para sacar más partido a {kw}",
			"Cómo encajan {kw} y {kw2}",
		},
		sentences: []string{
			"Con {kw}, un poco de conocimiento llega muy lejos.",
			"Muchos lectores de {site} descubrieron {kw} mientras investigaban sobre {topic}.",
			"La clave de {kw} es empezar poco a poco, medir lo que pasa y ajustar.",
			"En {kw}, los detalles importan más de lo que la mayoría espera.",
			"Una pregunta habitual es qué relación hay entre {kw} y {kw2}; en la práctica funcionan mejor juntos.",
			"Dedica una hora a comparar tus opciones de {kw} antes de decidir.",
			"Las personas con experiencia tratan {kw} como un hábito y no como un proyecto puntual.",
			"La mayoría de los problemas con {kw} vienen de saltarse lo básico.",
			"Una lista de comprobación sencilla hace que {kw} sea repetible y más fácil de mejorar.",
			"Con {kw}, la calidad vale más que la cantidad, sobre todo al principio.",
		},
		list: [3]string{
			"Empieza por lo básico de {kw}.",
			"Compara {kw} con {kw2} antes de decidir.",
			"Revisa tu forma de abordar {kw} con regularidad.",
		},
		intro:             "Este artículo trata sobre {topic}.",
		below:             "A continuación repasamos {list} y lo que significan para ti en la práctica.",
		conclusionHeading: "Conclusión",
		conclusion:        "{KW} premia la paciencia y un plan claro. Empieza con un paso de este artículo, observa qué cambia y vuelve a {site} para saber más sobre {topic}.",
		faqHeading:        "Preguntas frecuentes",
		faq: [3][2]string{
			{"¿Por dónde empiezo con {kw}?", "Por lo básico: repasa las secciones anteriores y avanza paso a paso."},
			{"¿Cuánto tiempo requiere {kw}?", "Menos de lo que parece: una hora a la semana basta para empezar."},
			{"¿Es {kw} adecuado para principiantes?", "Sí. Precisamente al principio {kw} da los resultados más visibles."},
		},
		contents: "Contenido", seeAlso: "Lee también:",
		and: "y", thisTopic: "este tema", thisSite: "este sitio", part: "parte",
	},
	"it": {
		angles: []ideaAngle{
			{title: "Guida per principianti: {topic}", summary: "Tutto ciò che un principiante deve sapere su {topic}: le basi di {list}, spiegate passo dopo passo."},
			{title: "{n} errori comuni con {kw}", summary: "Gli errori più frequenti con {kw}, perché accadono e come i lettori di {site} possono evitarli."},
			{title: "{kw} o {kw2}: quale fa per te?", summary: "{kw} e {kw2} a confronto, con le differenze che contano davvero.", needsTwo: true},
			{title: "{topic}: {n} domande frequenti", summary: "Risposte brevi e chiare alle domande più comuni su {list}."},
			{title: "{n} consigli degli esperti su {kw}", summary: "Consigli di chi ha esperienza per rendere {kw} più semplice, economico e affidabile."},
		},
		headings: []string{
			"Che cosa significa davvero {kw}",
			"Perché {kw} è importante",
			"Come iniziare con {kw}",
			"Errori comuni con {kw}",
			"Consigli per ottenere di più da {kw}",
			"Come si combinano {kw} e {kw2}",
		},
		sentences: []string{
			"Con {kw}, anche un po' di conoscenza fa molta strada.",
			"Molti lettori di {site} hanno scoperto {kw} mentre si informavano su {topic}.",
			"La chiave di {kw} è iniziare in piccolo, misurare i risultati e correggere il tiro.",
			"Con {kw}, i dettagli contano più di quanto si pensi.",
			"Una domanda frequente è come {kw} si colleghi a {kw2}; in pratica funzionano meglio insieme.",
			"Prenditi un'ora per confrontare le opzioni su {kw} prima di decidere.",
			"Chi ha esperienza tratta {kw} come un'abitudine, non come un progetto una tantum.",
			"La maggior parte dei problemi con {kw} nasce dal saltare le basi.",
			"Una semplice lista di controllo rende {kw} ripetibile e più facile da migliorare.",
			"Con {kw} la qualità conta più della quantità, soprattutto all'inizio.",
		},
		list: [3]string{
			"Parti dalle basi di {kw}.",
			"Confronta {kw} con {kw2} prima di decidere.",
			"Rivedi regolarmente il tuo approccio a {kw}.",
		},
		intro:             "Questo articolo parla di {topic}.",
		below:             "Di seguito esaminiamo {list} e cosa significano per te in pratica.",
		conclusionHeading: "Conclusione",
		conclusion:        "{KW} premia la pazienza e un piano chiaro. Inizia con un passo di questo articolo, osserva cosa cambia e torna su {site} per saperne di più su {topic}.",
		faqHeading:        "Domande frequenti",
		faq: [3][2]string{
			{"Da dove comincio con {kw}?", "Dalle basi: rileggi le sezioni qui sopra e procedi un passo alla volta."},
			{"Quanto tempo richiede {kw}?", "Meno di quanto si pensi: un'ora a settimana basta per iniziare."},
			{"{KW} è adatto ai principianti?", "Sì. Proprio all'inizio {kw} dà i risultati più visibili."},
		},
		contents: "Indice", seeAlso: "Leggi anche:",
		and: "e", thisTopic: "questo argomento", thisSite: "questo sito", part: "parte",
	},
	"nl": {
		angles: []ideaAngle{
			{title: "Beginnersgids: {topic}", summary: "Alles wat een beginner moet weten over {topic}: de basis van {list}, stap voor stap uitgelegd."},
			{title: "{n} veelgemaakte fouten met {kw}", summary: "De meest voorkomende fouten met {kw}, waarom ze gebeuren en hoe lezers van {site} ze vermijden."},
			{title: "{kw} of {kw2}: wat past bij jou?", summary: "{kw} en {kw2} naast elkaar, met de verschillen die er echt toe doen.", needsTwo: true},
			{title: "{topic}: {n} veelgestelde vragen", summary: "Korte, duidelijke antwoorden op de vragen die het vaakst gesteld worden over {list}."},
			{title: "{n} tips van experts voor {kw}", summary: "Tips uit de praktijk die {kw} eenvoudiger, goedkoper en betrouwbaarder maken."},
		},
		headings: []string{
			"Wat {kw} echt betekent",
			"Waarom {kw} belangrijk is",
			"Aan de slag met {kw}",
			"Veelgemaakte fouten met {kw}",
			"Tips om meer uit {kw} te halen",
			"Hoe {kw} en {kw2} samengaan",
		},
		sentences: []string{
			"Bij {kw} kom je met een beetje kennis al een heel eind.",
			"Veel lezers van {site} ontdekten {kw} toen ze zich verdiepten in {topic}.",
			"De sleutel tot {kw} is klein beginnen, meten wat er gebeurt en bijsturen.",
			"Bij {kw} doen de details er meer toe dan de meeste mensen verwachten.",
			"Een veelgestelde vraag is hoe {kw} zich verhoudt tot {kw2}; in de praktijk werken ze het best samen.",
			"Neem een uur de tijd om je mogelijkheden voor {kw} te vergelijken voordat je beslist.",
			"Ervaren mensen zien {kw} als een gewoonte, niet als een eenmalig project.",
			"De meeste problemen met {kw} ontstaan door de basis over te slaan.",
			"Een eenvoudige checklist maakt {kw} herhaalbaar en makkelijker te verbeteren.",
			"Bij {kw} gaat kwaliteit boven kwantiteit, zeker in het begin.",
		},
		list: [3]string{
			"Begin met de basis van {kw}.",
			"Vergelijk {kw} met {kw2} voordat je beslist.",
			"Kijk regelmatig opnieuw naar je aanpak van {kw}.",
		},
		intro:             "Dit artikel gaat over {topic}.",
		below:             "Hieronder bekijken we {list} en wat dat in de praktijk voor je betekent.",
		conclusionHeading: "Conclusie",
		conclusion:        "{KW} beloont geduld en een duidelijk plan. Begin met één stap uit dit artikel, kijk wat er verandert en kom terug naar {site} voor meer over {topic}.",
		faqHeading:        "Veelgestelde vragen",
		faq: [3][2]string{
			{"Waar begin ik met {kw}?", "Bij de basis: lees de delen hierboven en zet één stap tegelijk."},
			{"Hoeveel tijd kost {kw}?", "Minder dan je denkt: een uur per week is genoeg om te beginnen."},
			{"Is {kw} geschikt voor beginners?", "Ja. Juist in het begin levert {kw} de meest zichtbare resultaten op."},
		},
		contents: "Inhoud", seeAlso: "Lees ook:",
		and: "en", thisTopic: "dit onderwerp", thisSite: "deze site", part: "deel",
	},
	"pt": {
		angles: []ideaAngle{
			{title: "Guia para iniciantes: {topic}", summary: "Tudo o que um iniciante deve saber sobre {topic}: o básico de {list}, explicado passo a passo."},
			{title: "{n} erros comuns com {kw}", summary: "Os erros mais frequentes com {kw}, porque acontecem e como os leitores de {site} podem evitá-los."},
			{title: "{kw} ou {kw2}: qual é a melhor escolha?", summary: "{kw} e {kw2} lado a lado, com as diferenças que realmente importam.", needsTwo: true},
			{title: "{topic}: {n} perguntas frequentes", summary: "Respostas curtas e claras às perguntas mais comuns sobre {list}."},
			{title: "{n} dicas de especialistas sobre {kw}", summary: "Dicas de quem tem experiência para tornar {kw} mais simples, mais barato e mais eficaz."},
		},
		headings: []string{
			"O que {kw} significa realmente",
			"A importância de {kw}",
			"Primeiros passos com {kw}",
			"Erros comuns com {kw}",
			"Dicas para aproveitar melhor {kw}",
			"Como {kw} e {kw2} se complementam",
		},
		sentences: []string{
			"Com {kw}, um pouco de conhecimento faz uma grande diferença.",
			"Muitos leitores de {site} conheceram {kw} ao pesquisar sobre {topic}.",
			"O segredo de {kw} é começar devagar, medir o que acontece e ajustar.",
			"Em {kw}, os detalhes importam mais do que a maioria espera.",
			"Uma pergunta comum é como {kw} se relaciona com {kw2}; na prática, funcionam melhor juntos.",
			"Reserve uma hora para comparar as opções de {kw} antes de decidir.",
			"Pessoas experientes tratam {kw} como um hábito e não como um projeto isolado.",
			"A maioria dos problemas com {kw} vem de ignorar o básico.",
			"Uma lista de verificação simples torna {kw} repetível e mais fácil de melhorar.",
			"Em {kw}, qualidade vale mais do que quantidade, sobretudo no início.",
		},
		list: [3]string{
			"Comece pelo básico de {kw}.",
			"Compare {kw} com {kw2} antes de decidir.",
			"Avalie regularmente a sua forma de lidar com {kw}.",
		},
		intro:             "Este artigo é sobre {topic}.",
		below:             "A seguir analisamos {list} e o que isso significa na prática.",
		conclusionHeading: "Conclusão",
		conclusion:        "{KW} recompensa a paciência e um plano claro. Comece por um passo deste artigo, veja o que muda e volte a {site} para saber mais sobre {topic}.",
		faqHeading:        "Perguntas frequentes",
		faq: [3][2]string{
			{"Por onde começar com {kw}?", "Pelo básico: releia as partes acima e avance um passo de cada vez."},
			{"Quanto tempo exige {kw}?", "Menos do que parece: uma hora por semana basta para começar."},
			{"{KW} é indicado para iniciantes?", "Sim. É justamente no início que {kw} mostra os resultados mais visíveis."},
		},
		contents: "Índice", seeAlso: "Leia também:",
		and: "e", thisTopic: "este tema", thisSite: "este site", part: "parte",
	},
}
