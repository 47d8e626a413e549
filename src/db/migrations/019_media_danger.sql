-- What a photo shows counts towards urgency (issue 16): the vision model's own judgement that someone is at
-- immediate risk in the photo (a collapsed ceiling, exposed wires), kept so the pipeline can read it whenever it
-- labels the report — at once, or later when the description arrives after the caption was labelled.
ALTER TABLE report_media ADD COLUMN shows_danger INTEGER NOT NULL DEFAULT 0;
