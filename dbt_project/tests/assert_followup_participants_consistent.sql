-- Participant counts follow the form's rules: all >= 0, new <= participants,
-- ended <= participants, to work + to studies <= ended.

select *
from {{ ref('fct_followup_participants') }}
where n_participants < 0 or n_new < 0 or n_ended < 0 or n_to_work < 0 or n_to_studies < 0
    or n_new > n_participants
    or n_ended > n_participants
    or n_to_work + n_to_studies > n_ended
