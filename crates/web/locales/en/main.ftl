site-name = Parcours
site-tagline = Your online skills assessment, with a coach.
skip-to-content = Skip to content
nav-home = Home
nav-login = Sign in
nav-logout = Sign out
nav-language = Language
switch-to-other-language = Français
switch-to-other-language-label = Lire ce site en français
signed-in-as = Signed in: { $name } ({ $role })
footer-privacy = Your personal data is seen only by your coach and their team. The funder never sees your file, only overall figures.

role-beneficiary = participant
role-coach = coach
role-referrer = referrer
role-employer = employer
role-programme_manager = programme manager
role-funder = funder
role-admin = administrator

phase-referred = Referral received
phase-preliminary = Preliminary phase
phase-investigation = Investigation phase
phase-conclusions = Conclusions phase
phase-follow_up = Follow-up after the assessment

landing-title = Welcome to Parcours
landing-intro = Parcours supports you through your skills assessment: get to know yourself better, find a job that suits you, and meet employers.
landing-who = Did you get a link from your coach, France Travail or the Mission locale? Sign in with the email address you gave them.
landing-login = Sign in

login-title = Sign in
login-email = Email address
login-email-hint = For example: first.last@example.com
login-password = Password
login-submit = Sign in
login-forgot = Forgot your password?
login-invalid = The email address or password does not match. Check them and try again.
login-rate-limited = Too many attempts in a short time. To protect your account, wait { $minutes } minutes before trying again.
login-no-membership = This account is not linked to any organisation. Contact your coach.
logged-out = You are signed out. See you soon!

error-summary-title = The form has an error
error-email-required = Enter your email address.
error-email-invalid = This email address is not valid. It should look like first.last@example.com.
error-password-required = Enter your password.
error-password-too_short = The password must have at least 10 characters.
error-password-too_long = The password is too long.
error-password-mismatch = The two passwords are not the same.
error-phone-invalid = This number is not valid. Write 10 digits, for example 06 12 34 56 78.
error-commune_code-invalid = The commune (INSEE) code has 5 characters, for example 76540 for Rouen.
error-generic-invalid = This value is not valid.

forgot-title = Forgot your password
forgot-intro = Enter your email address. If it matches an account, you will get a link to choose a new password. The link works for one hour.
forgot-submit = Send me the link
forgot-sent = Sent. If an account exists for this address, an email arrives in a few minutes. Check your spam folder too.
reset-title = Choose a new password
reset-password = New password
reset-password-hint = At least 10 characters. An easy-to-remember sentence works well.
reset-confirm = Confirm the new password
reset-submit = Save the password
reset-invalid-link = This link no longer works: it was already used or is more than one hour old. Ask for a new link.
reset-done = Your password has changed. You can sign in.

home-title = Home
home-hello = Hello { $name }
beneficiary-next-step = My next step
beneficiary-phase = You are at step { $step } of 5: { $phase }.
beneficiary-coach = Your coach: { $name }. They are here to help you.
beneficiary-no-file = Your file is not open yet. Your coach will contact you soon.
beneficiary-my-file = See my information
beneficiary-journey = My journey

coach-caseload = People I support
coach-caseload-count = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
coach-caseload-empty = Nobody is assigned to you yet. People referred to your organisation will appear here.
col-name = Name
col-phase = Step
col-entered = Started on
col-last-activity = Last activity
col-programme = Programme
col-total = Total
col-count = Number
col-when = When
col-what = What
col-email = Email
col-role = Role

manager-programmes = My programmes
manager-all-people = Everyone followed
programmes-empty = No programme yet.
funder-title = Programmes you fund
funder-note = Overall, anonymous figures. A number under 11 people is never shown, so that nobody can be recognised.
funder-empty = Your organisation does not fund any programme on Parcours yet.
small-cell = fewer than 11
referrer-title = The people you referred
referrer-note = You see where the people your organisation referred stand, as overall figures. Their results stay private.
referrer-empty = Your organisation does not refer to any programme yet.
employer-title = Employer area
employer-empty = Soon you will offer meetings, work placements and jobs to participants here. Your contact in the programme will get in touch.
admin-title = Accounts of the organisation
admin-empty = No account yet. Create one with the command “parcours create-admin”.

person-title = File of { $name }
person-identity = Identity
person-born = Born in { $year }
person-contact = Contact details
person-email = Email address
person-phone = Phone
person-commune = Commune code (INSEE)
person-commune-hint = 5 characters, for example 76540 for Rouen.
person-save = Save contact details
person-saved = Contact details saved.
person-enrolments = Programmes
person-no-enrolment = This person is not enrolled in any programme.
person-coach = Coach: { $name }
person-audit = Who opened this file
person-audit-note = Every time the file is opened or changed, it is recorded.
not-provided = not provided

audit-person-read = opened
audit-person-read_denied = opening refused
audit-person-contact_updated = contact details changed
audit-person-write_denied = change refused

error-404-title = Page not found
error-404-text = This page does not exist, or you do not have access to it. Check the address, or go back home.
error-403-title = Access denied
error-403-text = You are not allowed to see or do this. If you think this is a mistake, talk to your manager.
error-csrf-text = The form has expired or does not come from Parcours. Reload the page and try again.
error-405-title = Action not possible
error-405-text = This address does not allow this action.
error-413-title = Too large
error-413-text = What you sent is too large.
error-429-title = Too many requests
error-429-text = Too many requests in a short time. Wait a few minutes and try again.
error-500-title = Something went wrong
error-500-text = It is not your fault. Try again in a few minutes. If it goes on, tell your coach.
error-back-home = Back to home

nav-occupations = Occupations
explorer-title = Explore occupations
explorer-intro = Search an occupation by name, or browse them by field or by interest. The occupations come from ROME, France Travail's directory of occupations.
explorer-search-label = Name of an occupation
explorer-search-hint = For example: boulangère, aide-soignant, développeur. Typos are fine.
explorer-search-submit = Search
explorer-results = { $count ->
    [0] No occupation matches “{ $query }”. Try another, shorter word.
    [one] One occupation matches “{ $query }”
   *[other] { $count } occupations match “{ $query }”
}
explorer-matched = found as: { $label }
explorer-by-domain = By field
explorer-by-interest = By interest
explorer-domain-fiches = Occupations in “{ $domain }”
explorer-interest-fiches = Occupations for “{ $interest }”
explorer-principal = main interest
explorer-unavailable = Occupation data is not loaded at the moment. Try again later or tell the administrator.
explorer-source = Source: ROME 4.0 version { $version } (France Travail, Licence Ouverte 2.0).
fiche-code = ROME code { $code }
fiche-domain = Field: { $domain }
fiche-riasec = Interest profile (RIASEC): { $code }
fiche-riasec-help = The RIASEC code sums up the activities this occupation asks for most. The first letter counts most.
riasec-R = Realistic: hands-on work, with tools or machines, often outdoors
riasec-I = Investigative: understand, observe, analyse, research
riasec-A = Artistic: create, imagine, express yourself
riasec-S = Social: help, care, advise, teach
riasec-E = Enterprising: lead, convince, sell, decide
riasec-C = Conventional: organise, sort, follow precise rules
fiche-definition = What the person does
fiche-access = How to get into this occupation
fiche-appellations = Other names for this occupation
fiche-skills = Know-how
fiche-knowledge = Knowledge
fiche-soft-skills = Professional behaviour
fiche-core = essential
fiche-emerging = new
fiche-contexts = Working conditions
fiche-mobility = Related occupations you can move to
fiche-interests = Interests
fiche-tags = Good to know
tag-regulated = Regulated occupation: a specific diploma or licence is required.
tag-cadre = Management-level job (cadre).
tag-digital = Occupation affected by the digital transition.
tag-demographic = Occupation affected by the demographic transition (ageing population).
tag-eco = { $label }.
fiche-parent = Original ROME v3 code: { $code }
fiche-market = The job market near you
fiche-market-intro = Give a commune and a distance: we show the employment areas in reach and how tight the market was for this occupation in 2020 (from 1: few jobs for many candidates, to 5: many jobs for few candidates).
fiche-commune = Commune (name or INSEE code)
fiche-radius = Maximum distance (km)
fiche-market-submit = Show the market
error-commune-unknown = Commune not found. Write its name, for example “Rouen”, or its 5-character INSEE code.
error-rayon-invalid = Give a distance between 1 and 200 km.
fiche-market-for = Around { $commune }, within { $radius } km
col-area = Employment area
col-distance = Distance
col-offers = Job offers
col-seekers = Job seekers
col-tension = Tension (1 to 5)
no-data = no data
fiche-market-summary = { $areas ->
    [0] No tension data for this occupation in these areas.
   *[other] Average tension { $index } out of 5, { $offers } offers for { $seekers } job seekers, over { $areas } areas.
}
error-503-title = Service unavailable
error-503-text = This service is not available at the moment. Try again later.
