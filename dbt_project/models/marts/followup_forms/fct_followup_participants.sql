-- Participants per form version x target group x sex x age group x birth region, for
-- every version (is_current marks the version that counts). Identical re-sends are not
-- versions, so their rows are not repeated here.

with

forms as (

    select * from {{ ref('fct_followup_form') }}

),

participants as (

    select * from {{ ref('stg_followup_forms__participants') }}

),

final as (

    select
        {{ surrogate_key(['participants.form_id', 'participants.malgrupp', 'participants.kon',
                          'participants.aldersgrupp', 'participants.fodelseregion']) }} as followup_participants_key,
        participants.form_id,
        forms.overenskommelse_id,
        forms.period,
        forms.is_current,
        forms.template_version,
        participants.malgrupp,
        participants.kon,
        participants.aldersgrupp,
        participants.fodelseregion,
        participants.n_participants,
        participants.n_new,
        participants.n_ended,
        participants.n_to_work,
        participants.n_to_studies
    from participants
    inner join forms
        on forms.form_id = participants.form_id

)

select * from final
