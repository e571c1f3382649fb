/**
 * The rules of rollout phases as plain, stateless classes: no actors, no I/O, no clocks.
 *
 * <p>{@link io.turnout.persistence.rollout.strategy.PhaseStrategy#of PhaseStrategy.of(spec)} gives
 * the strategy of a phase (canary, blue-green, rolling, A/B, bandit; the bandit's policies are in
 * {@link io.turnout.persistence.rollout.bandit}). The coordinator keeps one
 * {@link io.turnout.persistence.rollout.strategy.PhaseProgress} per running phase and, on each
 * tick, asks {@code decide(context, progress, observation)} for a
 * {@link io.turnout.persistence.rollout.strategy.Decision} and {@code traffic(context, progress,
 * ready)} for the {@link io.turnout.persistence.rollout.strategy.Traffic} to apply, which
 * {@link io.turnout.persistence.rollout.strategy.RoutingTables} turns into a routing table.
 * {@link io.turnout.persistence.rollout.strategy.Gates} judges a target's window against stable's.
 */
package io.turnout.persistence.rollout.strategy;
