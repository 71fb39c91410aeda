{#- Models land in the schema their folder names (staging, identity, tags, marts...), not in
    "<target schema>_<folder>": the warehouse layout is fixed by DESIGN.md. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
