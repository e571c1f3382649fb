package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/** How a bandit phase turns rewards into traffic shares. */
public enum BanditPolicy implements ClusterMessage {
  /** The best mean so far gets 1 - epsilon, the rest is split evenly. */
  EPSILON_GREEDY("epsilon-greedy"),
  /** Shares follow how often each arm has the highest upper confidence bound. */
  UCB1("ucb1"),
  /** Shares are each arm's posterior probability of being best (Beta for 0/1 rewards, else Gaussian). */
  THOMPSON("thompson");

  private final String wireName;

  BanditPolicy(String wireName) {
    this.wireName = wireName;
  }

  /** The name users write in plans. */
  public String wireName() {
    return wireName;
  }

  public static BanditPolicy fromWireName(String name) {
    for (BanditPolicy policy : values()) if (policy.wireName.equalsIgnoreCase(name)) return policy;
    throw new IllegalArgumentException("unknown bandit policy '" + name + "'; use epsilon-greedy, ucb1 or thompson");
  }
}
