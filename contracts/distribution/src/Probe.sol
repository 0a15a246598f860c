// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract Probe {
    function f(IERC20 t) external view returns (uint256) {
        return t.totalSupply();
    }
}
