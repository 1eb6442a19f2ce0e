"""Openness: how open a model release is, read from its Model Openness Framework components.

The rules are pure functions over frozen facts, one module per concern, tested without a
database:

    frameworks.py   the MOF's 17 components, their content types and classes
    licences.py     licence facts and the licence-fitness rules (the tool's open list, the strict
                    reading's open data and open content lists, use-restriction families)
    facts.py        the facts of one release, the licence each component resolves to, reasons
    mof.py          the MOF class under the Model Openness Tool's rules and the strict reading
    osaid.py        the four freedoms of the Open Source AI Definition 1.0
    index.py        open / partial / closed per dimension of the European Open Source AI Index
    mot_file.py     Model Openness Tool files, parsed and written back
    index_file.py   Open Source AI Index files (both formats), parsed

Around them, the registry side: `verdicts.py` (THE adapter: facts from the ORM, the
one licence lookup, every verdict a page or the API shows, the verdict cache), `selectors.py`
(the pages' reads), `export.py`, `importers/` (MOT files, the index; they write through
projects.services and ask projects.permissions), and the web and API sides (`views.py`,
`urls.py`, `api.py`, `serializers.py`, `filters.py`).

Why a subpackage of the `projects` app and not an app of its own: its tables hang off the
registry's (`Artifact.components`, `Artifact.openness`), and the registry's own services and
pages keep them current and show them (an artifact's edit refreshes its verdicts; the artifact
page shows them). As a separate app, `projects` would import it and it would import `projects`:
a cycle between apps. Inside the app the arrows between apps stay one way (contributions ->
projects), the models keep the app label `projects`, and no table moves (no migration).

Keep this file free of imports: projects.models imports projects.models.openness while the
app registry loads.
"""
