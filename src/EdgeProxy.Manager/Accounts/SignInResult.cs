namespace EdgeProxy.Manager.Accounts;

public enum SignInOutcome
{
    Success,
    Invalid,
    LockedOut,
}

public sealed record SignInResult(SignInOutcome Outcome, UserRecord? User);
