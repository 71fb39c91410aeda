-- An online tag in the catalogue with no values on the business date is a broken tag model
-- (or a missing one). Rows returned are the offending tags.
select catalogue.tag_code
from {{ ref('tag_catalogue') }} as catalogue
left join (select distinct tag_code from {{ ref('fct_customer_tag') }}) as produced
    on produced.tag_code = catalogue.tag_code
where catalogue.status = 'online'
  and produced.tag_code is null
