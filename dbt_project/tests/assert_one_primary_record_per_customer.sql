-- Every customer_id has exactly one primary core record (the golden record's attribute source).
select customer_id, count(*) filter (where is_primary) as primaries
from {{ ref('int_identity__customers') }}
group by customer_id
having count(*) filter (where is_primary) <> 1
