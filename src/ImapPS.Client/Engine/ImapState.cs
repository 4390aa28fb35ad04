namespace ImapPS.Client
{
    /// <summary>The protocol state of a connection (RFC 3501 §3).</summary>
    public enum ImapState
    {
        /// <summary>Connected, not yet authenticated.</summary>
        NONAUTH,
        /// <summary>Authenticated (or PREAUTH), no mailbox selected.</summary>
        AUTH,
        /// <summary>A mailbox is selected.</summary>
        SELECTED,
        /// <summary>Logged out or closed; the client can no longer be used.</summary>
        LOGOUT,
    }
}
