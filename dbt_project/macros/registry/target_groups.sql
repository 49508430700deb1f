{# The target groups (målgrupper) of the registry models (registerutdrag). #}

{#
    The target groups (målgrupper) derived per person and month, in the order the marts list
    them: code (= the boolean column of restricted.fct_jobseeker_month, and the code of the
    seed target_groups) and the condition on a fct_jobseeker_month row. 'alla' = everyone.
#}
{% macro registry_target_groups() -%}
    {{ return([
        {'code': 'alla', 'condition': 'true'},
        {'code': 'unga', 'condition': 'unga'},
        {'code': 'nyanlanda', 'condition': 'nyanlanda'},
        {'code': 'funktionsnedsattning', 'condition': 'funktionsnedsattning'},
        {'code': 'ekonomiskt_bistand', 'condition': 'ekonomiskt_bistand'},
        {'code': 'utrikes_fodda_kvinnor', 'condition': 'utrikes_fodda_kvinnor'},
        {'code': 'langtidsarbetslosa', 'condition': 'langtidsarbetslosa'},
    ]) }}
{%- endmacro %}
