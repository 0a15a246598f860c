// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RebasingToken
/// @notice A token whose `balanceOf` changes without any `Transfer` event (like stETH or AMPL),
/// so balances rebuilt from Transfer logs disagree with the chain. Tests use it to check that a
/// snapshot's proof against the chain catches this and names the cause.
contract RebasingToken is ERC20 {
    /// @notice Balances are multiplied by `scale / 1e18`.
    uint256 public scale = 1e18;

    constructor() ERC20("Rebasing Test", "REBASE") {}

    /// @notice Creates `amount` (unscaled) tokens for `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Changes every balance at once, with no event.
    function rebase(uint256 newScale) external {
        scale = newScale;
    }

    /// @inheritdoc ERC20
    function balanceOf(address account) public view override returns (uint256) {
        return (super.balanceOf(account) * scale) / 1e18;
    }
}
