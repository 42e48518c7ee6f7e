"""`junheng plan`: the least-cost set of actions (teachers, area, equipment, rooms) that makes every
school stage meet the school rule and every county CV meet its limit, solved as a mixed-integer
second-order-cone programme (HiGHS with outer-approximation cuts) and verified by evaluating the
planned records again with the engine."""
