"""Writing outputs: safe file names, atomic writes into a folder never followed through a link,
and the manifest that says which files a run wrote (see README.md, "How outputs are written")."""

from compliance.outputs.folder import (
           OUTPUT_PROBLEM_MEANING,
           OutputFolder,
           StagedFile,
           WrittenFile,
           stage_file,
           write_file,
)
from compliance.outputs.manifest import MANIFEST_NAME, PlannedOutput, manifest_bytes
from compliance.outputs.names import NameCollision, SubjectStems, subject_stems

__all__ = ["MANIFEST_NAME", "OUTPUT_PROBLEM_MEANING", "NameCollision", "OutputFolder", "PlannedOutput",
           "StagedFile", "SubjectStems", "WrittenFile", "manifest_bytes", "stage_file", "subject_stems", "write_file"]
