-- Indexes for the weekly digest and the units' ranking (src/digest/). Each query reads index ranges of its
-- period and never the tables themselves, so a week over a million reports stays well under a second.
-- The rates are read unit by unit (unit first, then time), which spares sorting the period's rows by unit.

-- Response rate: problems by unit (the responsible one, else the one they are about), creation time and
-- first staff action. Merged problems never count.
CREATE INDEX problems_unit_created ON problems (COALESCE(responsible_unit_id, unit_id), created_at, first_response_at)
  WHERE merged_into IS NULL;
-- New problems in a week.
CREATE INDEX problems_created_live ON problems (created_at, merged_into) WHERE merged_into IS NULL;

-- Resolution rate: answers by unit and time. Satisfaction rate: ratings by unit and time.
CREATE INDEX feedback_unit_fixed ON feedback (unit_id, fixed_at, fixed, problem_id) WHERE fixed IS NOT NULL;
CREATE INDEX feedback_unit_rated ON feedback (unit_id, rated_at, rating) WHERE rating IS NOT NULL;

-- Answers about these problems never count as fixed; there are few of them.
CREATE INDEX problems_closed_unfixed ON problems (id)
  WHERE status = 'closed' AND close_reason IN ('not_our_responsibility', 'no_action_possible');

-- The week's most reported problems, and its urgent reports.
CREATE INDEX reports_received_problem ON reports (received_at, problem_id);
CREATE INDEX reports_urgent ON reports (received_at, problem_id) WHERE urgent = 1;

-- Problems that became widespread or recurring in the week.
CREATE INDEX problems_widespread_at ON problems (widespread_at) WHERE widespread_at IS NOT NULL;
CREATE INDEX problems_recurring_at ON problems (recurring_at) WHERE recurring_at IS NOT NULL;
