// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice An ERC-20 for tests and benchmarks only: anyone may mint, burn and move anyone's
/// tokens. Every balance change goes through OpenZeppelin's `_update`, so every change emits a
/// standard `Transfer` event, exactly as a real token would.
contract TestToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /// @notice Creates `amount` tokens for `to` (emits Transfer(0, to, amount)).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Destroys `amount` of `from`'s tokens (emits Transfer(from, 0, amount)).
    function burn(address from, uint256 amount) external {
        _burn(from, amount);
    }

    /// @notice Many balance moves in one transaction, to make thousands of transfers cheaply.
    /// A zero `from` mints, a zero `to` burns, `from == to` is a self-transfer.
    function shuffle(address[] calldata from, address[] calldata to, uint256[] calldata amounts) external {
        require(from.length == to.length && to.length == amounts.length, "length mismatch");
        for (uint256 i = 0; i < from.length; ++i) {
            _update(from[i], to[i], amounts[i]);
        }
    }
}
