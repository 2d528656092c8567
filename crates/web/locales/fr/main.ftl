site-name = Parcours
site-tagline = Votre bilan de compétences en ligne, avec un conseiller.
skip-to-content = Aller au contenu
nav-home = Accueil
nav-login = Se connecter
nav-logout = Se déconnecter
nav-language = Langue
switch-to-other-language = English
switch-to-other-language-label = Read this site in English
signed-in-as = Connecté : { $name } ({ $role })
footer-privacy = Vos données personnelles ne sont vues que par votre conseiller et son équipe. Le financeur ne voit jamais votre dossier, seulement des chiffres globaux.

role-beneficiary = personne accompagnée
role-coach = conseiller ou conseillère
role-referrer = prescripteur
role-employer = employeur
role-programme_manager = responsable de programme
role-funder = financeur
role-admin = administrateur

phase-referred = Orientation reçue
phase-preliminary = Phase préliminaire
phase-investigation = Phase d'investigation
phase-conclusions = Phase de conclusions
phase-follow_up = Suivi après le bilan

landing-title = Bienvenue sur Parcours
landing-intro = Parcours vous accompagne pendant votre bilan de compétences : mieux vous connaître, trouver un métier qui vous va, et rencontrer des employeurs.
landing-who = Vous avez reçu un lien de votre conseiller, de France Travail ou de la Mission locale ? Connectez-vous avec l'adresse e-mail que vous leur avez donnée.
landing-login = Se connecter

login-title = Se connecter
login-email = Adresse e-mail
login-email-hint = Par exemple : prenom.nom@exemple.fr
login-password = Mot de passe
login-submit = Se connecter
login-forgot = Mot de passe oublié ?
login-invalid = L'adresse e-mail ou le mot de passe ne correspond pas. Vérifiez-les et réessayez.
login-rate-limited = Trop d'essais en peu de temps. Pour protéger votre compte, attendez { $minutes } minutes avant de réessayer.
login-no-membership = Ce compte n'est rattaché à aucune structure. Contactez votre conseiller.
logged-out = Vous êtes déconnecté. À bientôt !

error-summary-title = Le formulaire contient une erreur
error-email-required = Indiquez votre adresse e-mail.
error-email-invalid = Cette adresse e-mail n'est pas valide. Elle doit ressembler à prenom.nom@exemple.fr.
error-password-required = Indiquez votre mot de passe.
error-password-too_short = Le mot de passe doit contenir au moins 10 caractères.
error-password-too_long = Le mot de passe est trop long.
error-password-mismatch = Les deux mots de passe ne sont pas identiques.
error-phone-invalid = Ce numéro n'est pas valide. Écrivez 10 chiffres, par exemple 06 12 34 56 78.
error-commune_code-invalid = Le code commune (INSEE) compte 5 caractères, par exemple 76540 pour Rouen.
error-generic-invalid = Cette valeur n'est pas valide.

forgot-title = Mot de passe oublié
forgot-intro = Indiquez votre adresse e-mail. Si elle correspond à un compte, vous recevrez un lien pour choisir un nouveau mot de passe. Le lien marche pendant une heure.
forgot-submit = Recevoir le lien
forgot-sent = C'est envoyé. Si un compte existe pour cette adresse, un e-mail arrive dans quelques minutes. Pensez à regarder dans les courriers indésirables.
reset-title = Choisir un nouveau mot de passe
reset-password = Nouveau mot de passe
reset-password-hint = Au moins 10 caractères. Une phrase facile à retenir marche bien.
reset-confirm = Confirmez le nouveau mot de passe
reset-submit = Enregistrer le mot de passe
reset-invalid-link = Ce lien ne marche plus : il a déjà servi ou il a plus d'une heure. Demandez un nouveau lien.
reset-done = Votre mot de passe est changé. Vous pouvez vous connecter.

home-title = Accueil
home-hello = Bonjour { $name }
beneficiary-next-step = Ma prochaine étape
beneficiary-phase = Vous êtes à l'étape { $step } sur 5 : { $phase }.
beneficiary-coach = Votre conseiller : { $name }. Il ou elle est là pour vous aider.
beneficiary-no-file = Votre dossier n'est pas encore ouvert. Votre conseiller vous contactera bientôt.
beneficiary-my-file = Voir mes informations
beneficiary-journey = Mon parcours

coach-caseload = Mes personnes accompagnées
coach-caseload-count = { $count ->
    [one] { $count } personne
   *[other] { $count } personnes
}
coach-caseload-empty = Personne ne vous est encore confié. Les personnes orientées vers votre structure apparaîtront ici.
col-name = Nom
col-phase = Étape
col-entered = Entrée le
col-last-activity = Dernière activité
col-programme = Programme
col-total = Total
col-count = Nombre
col-when = Quand
col-what = Quoi
col-email = E-mail
col-role = Rôle

manager-programmes = Mes programmes
manager-all-people = Toutes les personnes suivies
programmes-empty = Aucun programme pour l'instant.
funder-title = Programmes financés
funder-note = Chiffres globaux et anonymes. Un nombre inférieur à 11 personnes n'est jamais affiché, pour que personne ne puisse être reconnu.
funder-empty = Votre structure ne finance encore aucun programme sur Parcours.
small-cell = moins de 11
referrer-title = Les personnes que vous avez orientées
referrer-note = Vous voyez où en sont les personnes orientées par votre structure, en chiffres globaux. Leurs résultats restent privés.
referrer-empty = Votre structure n'oriente encore vers aucun programme.
employer-title = Espace employeur
employer-empty = Vous pourrez bientôt proposer ici des rencontres, des immersions et des offres aux personnes accompagnées. Votre interlocuteur au sein du programme vous contactera.
admin-title = Comptes de la structure
admin-empty = Aucun compte pour l'instant. Créez-en avec la commande « parcours create-admin ».

person-title = Dossier de { $name }
person-identity = Identité
person-born = Née ou né en { $year }
person-contact = Coordonnées
person-email = Adresse e-mail
person-phone = Téléphone
person-commune = Code commune (INSEE)
person-commune-hint = 5 caractères, par exemple 76540 pour Rouen.
person-save = Enregistrer les coordonnées
person-saved = Les coordonnées sont enregistrées.
person-enrolments = Programmes
person-no-enrolment = Cette personne n'est inscrite à aucun programme.
person-coach = Conseiller : { $name }
person-audit = Qui a consulté ce dossier
person-audit-note = Chaque consultation et chaque modification du dossier est enregistrée.
not-provided = non renseigné

audit-person-read = consultation
audit-person-read_denied = consultation refusée
audit-person-contact_updated = coordonnées modifiées
audit-person-write_denied = modification refusée

error-404-title = Page introuvable
error-404-text = Cette page n'existe pas, ou vous n'y avez pas accès. Vérifiez l'adresse, ou revenez à l'accueil.
error-403-title = Accès refusé
error-403-text = Vous n'avez pas le droit de voir ou de faire cela. Si vous pensez que c'est une erreur, parlez-en à votre responsable.
error-csrf-text = Le formulaire a expiré ou ne vient pas de Parcours. Rechargez la page et recommencez.
error-405-title = Action impossible
error-405-text = Cette adresse ne permet pas cette action.
error-413-title = Envoi trop gros
error-413-text = Ce que vous avez envoyé est trop volumineux.
error-429-title = Trop de demandes
error-429-text = Trop de demandes en peu de temps. Attendez quelques minutes puis réessayez.
error-500-title = Un problème est survenu
error-500-text = Ce n'est pas de votre faute. Réessayez dans quelques minutes. Si cela continue, prévenez votre conseiller.
error-back-home = Revenir à l'accueil

nav-occupations = Métiers
explorer-title = Explorer les métiers
explorer-intro = Cherchez un métier par son nom, ou parcourez-les par domaine ou par centre d'intérêt. Les fiches viennent du ROME, le répertoire des métiers de France Travail.
explorer-search-label = Nom d'un métier
explorer-search-hint = Par exemple : boulangère, aide-soignant, développeur. Les fautes de frappe sont acceptées.
explorer-search-submit = Chercher
explorer-results = { $count ->
    [0] Aucun métier ne correspond à « { $query } ». Essayez un autre mot, plus court.
    [one] Un métier correspond à « { $query } »
   *[other] { $count } métiers correspondent à « { $query } »
}
explorer-matched = trouvé par : { $label }
explorer-by-domain = Par domaine
explorer-by-interest = Par centre d'intérêt
explorer-domain-fiches = Métiers du domaine « { $domain } »
explorer-interest-fiches = Métiers pour « { $interest } »
explorer-principal = centre d'intérêt principal
explorer-unavailable = Les données des métiers ne sont pas chargées pour le moment. Réessayez plus tard ou prévenez l'administrateur.
explorer-source = Source : ROME 4.0 version { $version } (France Travail, Licence Ouverte 2.0).
fiche-code = Code ROME { $code }
fiche-domain = Domaine : { $domain }
fiche-riasec = Profil d'intérêts (RIASEC) : { $code }
fiche-riasec-help = Le code RIASEC résume les activités que ce métier demande le plus. La première lettre compte le plus.
riasec-R = Réaliste : travail concret, manuel, avec des outils ou des machines, souvent dehors
riasec-I = Investigateur : comprendre, observer, analyser, chercher
riasec-A = Artistique : créer, imaginer, s'exprimer
riasec-S = Social : aider, soigner, conseiller, enseigner
riasec-E = Entreprenant : diriger, convaincre, vendre, décider
riasec-C = Conventionnel : organiser, classer, suivre des règles précises
fiche-definition = Ce que fait la personne
fiche-access = Comment accéder à ce métier
fiche-appellations = Autres noms de ce métier
fiche-skills = Savoir-faire
fiche-knowledge = Savoirs
fiche-soft-skills = Savoir-être professionnels
fiche-core = essentiel
fiche-emerging = nouveau
fiche-contexts = Conditions de travail
fiche-mobility = Métiers proches, où l'on peut évoluer
fiche-interests = Centres d'intérêt
fiche-tags = À savoir
tag-regulated = Métier réglementé : il faut un diplôme ou une autorisation précise.
tag-cadre = Emploi de cadre.
tag-digital = Métier concerné par la transition numérique.
tag-demographic = Métier concerné par la transition démographique (vieillissement de la population).
tag-eco = { $label }.
fiche-parent = Code ROME v3 d'origine : { $code }
fiche-market = Le marché du travail près de chez vous
fiche-market-intro = Indiquez une commune et une distance : nous montrons les bassins d'emploi à portée et la tension de ce métier en 2020 (de 1 : peu de postes pour beaucoup de candidats, à 5 : beaucoup de postes pour peu de candidats).
fiche-commune = Commune (nom ou code INSEE)
fiche-radius = Distance maximale (km)
fiche-market-submit = Voir le marché
error-commune-unknown = Commune introuvable. Écrivez son nom, par exemple « Rouen », ou son code INSEE à 5 caractères.
error-rayon-invalid = Indiquez une distance entre 1 et 200 km.
fiche-market-for = Autour de { $commune }, dans un rayon de { $radius } km
col-area = Bassin d'emploi
col-distance = Distance
col-offers = Offres
col-seekers = Demandeurs d'emploi
col-tension = Tension (1 à 5)
no-data = pas de donnée
fiche-market-summary = { $areas ->
    [0] Pas de donnée de tension pour ce métier dans ces bassins.
   *[other] Tension moyenne { $index } sur 5, { $offers } offres pour { $seekers } demandeurs d'emploi, sur { $areas } bassins.
}
error-503-title = Service indisponible
error-503-text = Ce service n'est pas disponible pour le moment. Réessayez plus tard.
