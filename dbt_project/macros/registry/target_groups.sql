{# The target groups (målgrupper) of the registry models (registerutdrag). #}

{#
    The target groups (målgrupper) derived per person and month, in the order the marts list
    them: code (= the boolean column of restricted.fct_jobseeker_month, and the code of the
    seed target_groups), the condition on a fct_jobseeker_month row (the month's own flags),
    and ending_condition, the condition to count the row's ending in (effective_<code>: in the
    month a registration ended, the groups of the month before when the person has a row in
    it, as the extract has no category after the person has left). 'alla' = everyone.
#}
{% macro registry_target_groups() -%}
    {{ return([
        {'code': 'alla', 'condition': 'true', 'ending_condition': 'true'},
        {'code': 'unga', 'condition': 'unga', 'ending_condition': 'effective_unga'},
        {'code': 'nyanlanda', 'condition': 'nyanlanda', 'ending_condition': 'effective_nyanlanda'},
        {'code': 'funktionsnedsattning', 'condition': 'funktionsnedsattning', 'ending_condition': 'effective_funktionsnedsattning'},
        {'code': 'ekonomiskt_bistand', 'condition': 'ekonomiskt_bistand', 'ending_condition': 'effective_ekonomiskt_bistand'},
        {'code': 'utrikes_fodda_kvinnor', 'condition': 'utrikes_fodda_kvinnor', 'ending_condition': 'effective_utrikes_fodda_kvinnor'},
        {'code': 'langtidsarbetslosa', 'condition': 'langtidsarbetslosa', 'ending_condition': 'effective_langtidsarbetslosa'},
    ]) }}
{%- endmacro %}
