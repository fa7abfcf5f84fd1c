namespace Crowd.Consensus.Engine;

internal static class Placeholder;
