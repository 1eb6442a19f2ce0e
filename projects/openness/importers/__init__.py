"""Importers of the peers' openness data: Model Openness Tool files (`mot`) and Open Source AI
Index files (`index`). They parse with projects.openness.mot_file and .index_file, ask
projects.permissions who may import, write through projects.services and refresh the cached
verdicts (projects.openness.verdicts) once per batch."""
