{#- Union every model in the tags folder named tag_*. dbt only learns refs made at parse time,
    so fct_customer_tag also lists each tag model in a `depends_on` comment; forgetting it gives
    a clear dbt compilation error naming the model (see docs/how-to-add-a-tag.md). -#}
{% macro union_tag_models() -%}
    {%- set tag_models = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
              | selectattr('resource_type', 'equalto', 'model')
              | selectattr('package_name', 'equalto', project_name)
              | sort(attribute='name') -%}
            {%- if node.name.startswith('tag_') and node.fqn[1] == 'tags' -%}
                {%- do tag_models.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for name in tag_models %}
    select customer_id, tag_code, tag_value from {{ ref(name) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if tag_models | length == 0 %}
    select cast(null as {{ dbt.type_string() }}) as customer_id, cast(null as {{ dbt.type_string() }}) as tag_code,
           cast(null as {{ dbt.type_string() }}) as tag_value where 1 = 0
    {%- endif %}
{%- endmacro %}
