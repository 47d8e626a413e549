-- Grouping retrieves the live problems at a place the directory does not know (a tutoring company, a kindergarten
-- not in units.json) whatever their category, newest first; the report's written name is compared in code
-- (src/units/unit-name.ts writtenNamesRelation: 启航教育 = 启航英语 = Qihang Education).
CREATE INDEX IF NOT EXISTS problems_written_recent ON problems (last_report_at) WHERE merged_into IS NULL AND unit_id IS NULL AND unit_written IS NOT NULL;
