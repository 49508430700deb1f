-- One row per survey wave x question x grid row of the codebook, with
--   * the condition (villkor) parsed: `<ref><op><codes>` where ref is a question id (Q8), or a
--     grid row / flerval option column (Q4_r1, Q3_2); op is = or == (in), != or <> (not in),
--     or the words in / not in; codes are integers separated by , ; | or /, optionally in
--     parentheses. Examples: Q8=1, Q8=1,2, Q8 in (1,2), Q8<>3, Q3_2=1.
--   * the link to the same question in the previous wave of the survey: the question named
--     in jamforbar_med, else the same fraga_id. An explicit jamforbar_med wins: a question
--     whose same-id predecessor is claimed by another question's jamforbar_med gets none.
--   * comparable_question_key: shared by all questions of one chain of links (md5 of the
--     survey, the first wave and the fraga_id of the chain's first question).
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

waves as (

    select * from {{ ref('stg_survey__waves') }}

),

codebook as (

    select * from {{ ref('stg_survey__questions') }}

),

items as (

    select
        codebook.enkat_id,
        codebook.omgang,
        waves.wave_number,
        codebook.fraga_id,
        codebook.delfraga as grid_row_id,
        codebook.fragetext,
        codebook.typ,
        codebook.skala_id,
        codebook.villkor,
        codebook.jamforbar_med,
        codebook.source_row
    from codebook
    inner join waves
        on waves.enkat_id = codebook.enkat_id
        and waves.omgang = codebook.omgang

),

questions as (

    select
        enkat_id,
        omgang,
        wave_number,
        fraga_id,
        max(jamforbar_med) as jamforbar_med
    from items
    group by enkat_id, omgang, wave_number, fraga_id

),

explicit_links as (

    select
        questions.enkat_id,
        questions.omgang,
        questions.fraga_id,
        previous.omgang as previous_omgang,
        previous.fraga_id as previous_fraga_id
    from questions
    inner join questions as previous
        on previous.enkat_id = questions.enkat_id
        and previous.wave_number = questions.wave_number - 1
        and previous.fraga_id = questions.jamforbar_med
    where questions.jamforbar_med is not null

),

same_id_links as (

    select
        questions.enkat_id,
        questions.omgang,
        questions.fraga_id,
        previous.omgang as previous_omgang,
        previous.fraga_id as previous_fraga_id
    from questions
    inner join questions as previous
        on previous.enkat_id = questions.enkat_id
        and previous.wave_number = questions.wave_number - 1
        and previous.fraga_id = questions.fraga_id
    where questions.jamforbar_med is null
        and not exists (
            select 1
            from explicit_links
            where explicit_links.enkat_id = questions.enkat_id
                and explicit_links.omgang = questions.omgang
                and explicit_links.previous_fraga_id = previous.fraga_id
        )

),

links as (

    select * from explicit_links
    union all
    select * from same_id_links

),

chains as (

    with recursive walk as (

        select
            questions.enkat_id,
            questions.omgang,
            questions.fraga_id,
            questions.omgang as root_omgang,
            questions.fraga_id as root_fraga_id
        from questions
        left join links
            on links.enkat_id = questions.enkat_id
            and links.omgang = questions.omgang
            and links.fraga_id = questions.fraga_id
        where links.fraga_id is null

        union all

        select
            links.enkat_id,
            links.omgang,
            links.fraga_id,
            walk.root_omgang,
            walk.root_fraga_id
        from walk
        inner join links
            on links.enkat_id = walk.enkat_id
            and links.previous_omgang = walk.omgang
            and links.previous_fraga_id = walk.fraga_id

    )

    select * from walk

),

conditions as (

    select
        enkat_id,
        omgang,
        fraga_id,
        grid_row_id,
        villkor,
        regexp_match(
            villkor,
            '^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(==|=|!=|<>|\mnot\s+in\M|\min\M)\s*\(?\s*([0-9]+(\s*[,;|/]\s*[0-9]+)*)\s*\)?\s*$',  -- noqa: LT05
            'i'
        ) as parts
    from items
    where villkor is not null

),

parsed_conditions as (

    select
        conditions.enkat_id,
        conditions.omgang,
        conditions.fraga_id,
        conditions.grid_row_id,
        conditions.parts[1] as condition_column,
        case
            when conditions.parts is null then null
            when lower(conditions.parts[2]) in ('!=', '<>') or lower(conditions.parts[2]) like 'not%' then 'not_in'
            else 'in'
        end as condition_operator,
        regexp_replace(conditions.parts[3], '\s*[,;|/]\s*', ',', 'g') as condition_codes
    from conditions

),

resolved_conditions as (

    -- The reference is a question id of the wave, else `<fraga_id>_<grid row or option>`.
    select
        parsed_conditions.enkat_id,
        parsed_conditions.omgang,
        parsed_conditions.fraga_id,
        parsed_conditions.grid_row_id,
        parsed_conditions.condition_column,
        coalesce(
            referenced.fraga_id,
            substring(parsed_conditions.condition_column from '^(.*)_[^_]+$')
        ) as condition_fraga_id,
        case
            when referenced.fraga_id is null
                then substring(parsed_conditions.condition_column from '_([^_]+)$')
        end as condition_cell,
        parsed_conditions.condition_operator,
        parsed_conditions.condition_codes
    from parsed_conditions
    left join questions as referenced
        on referenced.enkat_id = parsed_conditions.enkat_id
        and referenced.omgang = parsed_conditions.omgang
        and referenced.fraga_id = parsed_conditions.condition_column

),

final as (

    select
        {{ surrogate_key(['items.enkat_id', 'items.omgang', 'items.fraga_id', 'items.grid_row_id']) }} as question_key,
        {{ surrogate_key(['items.enkat_id', 'items.omgang']) }} as survey_wave_key,
        items.enkat_id,
        items.omgang,
        items.wave_number,
        items.fraga_id,
        items.grid_row_id,
        items.fragetext,
        items.typ,
        items.skala_id,
        items.villkor,
        resolved_conditions.condition_fraga_id,
        resolved_conditions.condition_cell,
        resolved_conditions.condition_operator,
        resolved_conditions.condition_codes,
        items.jamforbar_med,
        links.previous_omgang,
        links.previous_fraga_id,
        {{ surrogate_key([
            'chains.enkat_id', 'chains.root_omgang', 'chains.root_fraga_id'
        ]) }} as comparable_question_key,
        chains.root_omgang as comparable_first_omgang,
        chains.root_fraga_id as comparable_first_fraga_id,
        items.source_row
    from items
    left join resolved_conditions
        on resolved_conditions.enkat_id = items.enkat_id
        and resolved_conditions.omgang = items.omgang
        and resolved_conditions.fraga_id = items.fraga_id
        and resolved_conditions.grid_row_id is not distinct from items.grid_row_id
    left join links
        on links.enkat_id = items.enkat_id
        and links.omgang = items.omgang
        and links.fraga_id = items.fraga_id
    left join chains
        on chains.enkat_id = items.enkat_id
        and chains.omgang = items.omgang
        and chains.fraga_id = items.fraga_id

)

select * from final
