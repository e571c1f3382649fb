/**
 * Bandit policies as pure functions of the arms' rewards: {@link
 * io.turnout.persistence.rollout.bandit.EpsilonGreedy}, {@link
 * io.turnout.persistence.rollout.bandit.Ucb1} and {@link
 * io.turnout.persistence.rollout.bandit.Thompson} turn per-arm {@link
 * io.turnout.protocol.rollout.RewardStats} into an {@link
 * io.turnout.persistence.rollout.bandit.Allocation} in basis points with a floor per arm, and say
 * when an arm has won ({@link io.turnout.persistence.rollout.bandit.Winner}). The bandit phase's
 * strategy calls them once per reallocation interval.
 */
package io.turnout.persistence.rollout.bandit;
