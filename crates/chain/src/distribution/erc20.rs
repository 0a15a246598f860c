//! The one ERC-20 binding of the workspace: what snapshots read (`Transfer` logs, `balanceOf`,
//! `totalSupply`) and what distribution sends (`transfer`, `approve`, `allowance`), plus the
//! OpenZeppelin error a failed transfer reverts with.

alloy::sol! {
    /// ERC-20 as the snapshot and distribution code use it. ERC-721 shares the `Transfer`
    /// signature (it indexes the third argument), so the same topic finds both.
    #[allow(missing_docs)]
    #[derive(Debug)]
    interface IERC20 {
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
        function totalSupply() external view returns (uint256);
        function balanceOf(address account) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function transfer(address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
    }
}

#[cfg(test)]
mod tests {
    use super::IERC20;
    use alloy::sol_types::{SolCall, SolEvent};
    use alloy_primitives::keccak256;

    #[test]
    fn selectors_are_the_standard_ones() {
        assert_eq!(IERC20::balanceOfCall::SELECTOR, [0x70, 0xa0, 0x82, 0x31]);
        assert_eq!(IERC20::totalSupplyCall::SELECTOR, [0x18, 0x16, 0x0d, 0xdd]);
        assert_eq!(IERC20::transferCall::SELECTOR, [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(IERC20::approveCall::SELECTOR, [0x09, 0x5e, 0xa7, 0xb3]);
        assert_eq!(IERC20::allowanceCall::SELECTOR, [0xdd, 0x62, 0xed, 0x3e]);
        assert_eq!(
            IERC20::Transfer::SIGNATURE_HASH,
            keccak256("Transfer(address,address,uint256)")
        );
    }
}
