//! The default texts of an operator's public pages, written for its beneficiaries and
//! partners in plain French; the administrator edits them on the settings page. The
//! page shows the operator's name and contacts above the text, so the text names none.

/// The default privacy notice (RGPD information, articles 13 and 14).
pub const DEFAULT_PRIVACY_NOTICE: &str = "\
## Qui traite vos données

L'organisme nommé en haut de cette page est responsable du traitement de vos données. Il les utilise pour vous accompagner dans votre parcours vers un métier ou un emploi.

## Quelles données

Votre identité et vos coordonnées, les informations transmises par l'organisme qui vous a orienté, vos réponses aux questionnaires, vos notes et votre projet, vos rendez-vous et messages, et ce que vous devenez après l'accompagnement.

## Pourquoi et sur quelle base

Pour organiser votre accompagnement, vous proposer des pistes de métiers et suivre les résultats du programme. La base légale est la mission confiée à l'organisme par le financeur du programme ; pour ce qui demande votre accord (par exemple partager vos étapes avec votre orienteur), nous vous le demandons et vous pouvez le retirer à tout moment.

## Qui voit vos données

Votre conseiller et son équipe. L'organisme qui vous a orienté voit seulement les grandes étapes, si vous l'acceptez. Le financeur ne voit jamais votre dossier : il voit seulement des chiffres globaux, jamais un groupe de moins de 11 personnes.

## Combien de temps

Pendant votre accompagnement puis pendant le suivi prévu par le programme. Un dossier resté inactif longtemps est effacé, après un message pour vous prévenir.

## Vos droits

Vous pouvez consulter vos données, les télécharger, les faire corriger ou demander leur effacement depuis la page « Mes données » de votre espace, ou en écrivant au contact indiqué en haut de cette page. Si vous n'obtenez pas de réponse, vous pouvez vous adresser à la CNIL (www.cnil.fr).";

/// The default accessibility statement (the RGAA's model, not yet audited).
pub const DEFAULT_ACCESSIBILITY_STATEMENT: &str = "\
## Notre engagement

L'organisme nommé en haut de cette page s'engage à rendre ce service accessible, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.

## État de conformité

Ce service n'a pas encore été audité. Il est conçu pour respecter le RGAA 4.1 (niveau AA des WCAG 2.1) : il fonctionne au clavier, sans JavaScript, sur un petit écran de téléphone, avec des champs et des erreurs nommés.

## Signaler un problème

Si vous ne pouvez pas utiliser une page ou un service, écrivez au contact indiqué en haut de cette page : nous vous aiderons à obtenir l'information par un autre moyen.

## Voies de recours

Si vous n'obtenez pas de réponse satisfaisante, vous pouvez écrire au Défenseur des droits (www.defenseurdesdroits.fr), le contacter par téléphone au 09 69 39 00 00, ou écrire gratuitement, sans timbre, à : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.";
