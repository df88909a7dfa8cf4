"""Clinical documentation: note templates, progress notes, diagnoses, treatment plans and
measures (PHQ-9, GAD-7, PCL-5), with signing, locking and addenda."""
